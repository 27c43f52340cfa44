import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")

# Every task marks its outbox row done when it returns (core/celery_task.py, core/outbox.py).
app = Celery("greencompute", task_cls="core.celery_task:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
