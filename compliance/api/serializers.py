from rest_framework import serializers

from compliance.models import Investor


class InvestorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Investor
        fields = ["id", "kind", "legal_name", "email", "country_of_residence", "user",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
