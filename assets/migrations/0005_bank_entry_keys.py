"""Bank entries keyed so that no real entry is dropped (issue 8, defect 6).

Entries stored before this migration were unique per account and bank reference, so each
keeps ``ref:<bank reference>``; its position is its order within its statement. Account
numbers are normalised the way imports now write them (no whitespace, upper case). The
transactions of batched entries (BankEntryDetail) start empty for entries stored before.
"""

import core.validators
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Concat, Replace, Upper


def keys_for_stored_entries(apps, schema_editor):
    """Set-based updates (no loop over rows): compact accounts, ref:<bank reference>, order in statement."""
    statements = apps.get_model("assets", "BankStatement")
    entries = apps.get_model("assets", "BankEntry")

    def compact(name):
        return Upper(Replace(F(name), Value(" "), Value("")))

    statements.objects.update(account=compact("account"))
    entries.objects.update(account=compact("account"), counterparty_account=compact("counterparty_account"),
                           entry_key=Concat(Value("ref:"), F("bank_reference")))
    earlier_or_same = (entries.objects.filter(statement=OuterRef("statement"), id__lte=OuterRef("id"))
                       .values("statement").annotate(n=Count("id")).values("n"))
    entries.objects.update(position=Subquery(earlier_or_same))
    # Run the deferred foreign-key checks the updates queued now, so the constraints below can
    # alter the table in the same transaction.
    schema_editor.connection.check_constraints(table_names=[entries._meta.db_table])


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0004_money_minor_units_billing'),
    ]

    operations = [
        migrations.CreateModel(
            name='BankEntryDetail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(help_text="The TxDtls' number within its entry.")),
                ('direction', models.CharField(choices=[('CRDT', 'credit (money in)'), ('DBIT', 'debit (money out)')], max_length=4)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=20)),
                ('currency', models.CharField(choices=[('AED', 'AED - UAE Dirham'), ('AFN', 'AFN - Afghani'), ('ALL', 'ALL - Lek'), ('AMD', 'AMD - Armenian Dram'), ('AOA', 'AOA - Kwanza'), ('ARS', 'ARS - Argentine Peso'), ('AUD', 'AUD - Australian Dollar'), ('AWG', 'AWG - Aruban Florin'), ('AZN', 'AZN - Azerbaijan Manat'), ('BAM', 'BAM - Convertible Mark'), ('BBD', 'BBD - Barbados Dollar'), ('BDT', 'BDT - Taka'), ('BHD', 'BHD - Bahraini Dinar'), ('BIF', 'BIF - Burundi Franc'), ('BMD', 'BMD - Bermudian Dollar'), ('BND', 'BND - Brunei Dollar'), ('BOB', 'BOB - Boliviano'), ('BOV', 'BOV - Mvdol'), ('BRL', 'BRL - Brazilian Real'), ('BSD', 'BSD - Bahamian Dollar'), ('BTN', 'BTN - Ngultrum'), ('BWP', 'BWP - Pula'), ('BYN', 'BYN - Belarusian Ruble'), ('BZD', 'BZD - Belize Dollar'), ('CAD', 'CAD - Canadian Dollar'), ('CDF', 'CDF - Congolese Franc'), ('CHE', 'CHE - WIR Euro'), ('CHF', 'CHF - Swiss Franc'), ('CHW', 'CHW - WIR Franc'), ('CLF', 'CLF - Unidad de Fomento'), ('CLP', 'CLP - Chilean Peso'), ('CNY', 'CNY - Yuan Renminbi'), ('COP', 'COP - Colombian Peso'), ('COU', 'COU - Unidad de Valor Real'), ('CRC', 'CRC - Costa Rican Colon'), ('CUP', 'CUP - Cuban Peso'), ('CVE', 'CVE - Cabo Verde Escudo'), ('CZK', 'CZK - Czech Koruna'), ('DJF', 'DJF - Djibouti Franc'), ('DKK', 'DKK - Danish Krone'), ('DOP', 'DOP - Dominican Peso'), ('DZD', 'DZD - Algerian Dinar'), ('EGP', 'EGP - Egyptian Pound'), ('ERN', 'ERN - Nakfa'), ('ETB', 'ETB - Ethiopian Birr'), ('EUR', 'EUR - Euro'), ('FJD', 'FJD - Fiji Dollar'), ('FKP', 'FKP - Falkland Islands Pound'), ('GBP', 'GBP - Pound Sterling'), ('GEL', 'GEL - Lari'), ('GHS', 'GHS - Ghana Cedi'), ('GIP', 'GIP - Gibraltar Pound'), ('GMD', 'GMD - Dalasi'), ('GNF', 'GNF - Guinean Franc'), ('GTQ', 'GTQ - Quetzal'), ('GYD', 'GYD - Guyana Dollar'), ('HKD', 'HKD - Hong Kong Dollar'), ('HNL', 'HNL - Lempira'), ('HTG', 'HTG - Gourde'), ('HUF', 'HUF - Forint'), ('IDR', 'IDR - Rupiah'), ('ILS', 'ILS - New Israeli Sheqel'), ('INR', 'INR - Indian Rupee'), ('IQD', 'IQD - Iraqi Dinar'), ('IRR', 'IRR - Iranian Rial'), ('ISK', 'ISK - Iceland Krona'), ('JMD', 'JMD - Jamaican Dollar'), ('JOD', 'JOD - Jordanian Dinar'), ('JPY', 'JPY - Yen'), ('KES', 'KES - Kenyan Shilling'), ('KGS', 'KGS - Som'), ('KHR', 'KHR - Riel'), ('KMF', 'KMF - Comorian Franc'), ('KPW', 'KPW - North Korean Won'), ('KRW', 'KRW - Won'), ('KWD', 'KWD - Kuwaiti Dinar'), ('KYD', 'KYD - Cayman Islands Dollar'), ('KZT', 'KZT - Tenge'), ('LAK', 'LAK - Lao Kip'), ('LBP', 'LBP - Lebanese Pound'), ('LKR', 'LKR - Sri Lanka Rupee'), ('LRD', 'LRD - Liberian Dollar'), ('LSL', 'LSL - Loti'), ('LYD', 'LYD - Libyan Dinar'), ('MAD', 'MAD - Moroccan Dirham'), ('MDL', 'MDL - Moldovan Leu'), ('MGA', 'MGA - Malagasy Ariary'), ('MKD', 'MKD - Denar'), ('MMK', 'MMK - Kyat'), ('MNT', 'MNT - Tugrik'), ('MOP', 'MOP - Pataca'), ('MRU', 'MRU - Ouguiya'), ('MUR', 'MUR - Mauritius Rupee'), ('MVR', 'MVR - Rufiyaa'), ('MWK', 'MWK - Malawi Kwacha'), ('MXN', 'MXN - Mexican Peso'), ('MXV', 'MXV - Mexican Unidad de Inversion (UDI)'), ('MYR', 'MYR - Malaysian Ringgit'), ('MZN', 'MZN - Mozambique Metical'), ('NAD', 'NAD - Namibia Dollar'), ('NGN', 'NGN - Naira'), ('NIO', 'NIO - Cordoba Oro'), ('NOK', 'NOK - Norwegian Krone'), ('NPR', 'NPR - Nepalese Rupee'), ('NZD', 'NZD - New Zealand Dollar'), ('OMR', 'OMR - Rial Omani'), ('PAB', 'PAB - Balboa'), ('PEN', 'PEN - Sol'), ('PGK', 'PGK - Kina'), ('PHP', 'PHP - Philippine Peso'), ('PKR', 'PKR - Pakistan Rupee'), ('PLN', 'PLN - Zloty'), ('PYG', 'PYG - Guarani'), ('QAR', 'QAR - Qatari Rial'), ('RON', 'RON - Romanian Leu'), ('RSD', 'RSD - Serbian Dinar'), ('RUB', 'RUB - Russian Ruble'), ('RWF', 'RWF - Rwanda Franc'), ('SAR', 'SAR - Saudi Riyal'), ('SBD', 'SBD - Solomon Islands Dollar'), ('SCR', 'SCR - Seychelles Rupee'), ('SDG', 'SDG - Sudanese Pound'), ('SEK', 'SEK - Swedish Krona'), ('SGD', 'SGD - Singapore Dollar'), ('SHP', 'SHP - Saint Helena Pound'), ('SLE', 'SLE - Leone'), ('SOS', 'SOS - Somali Shilling'), ('SRD', 'SRD - Surinam Dollar'), ('SSP', 'SSP - South Sudanese Pound'), ('STN', 'STN - Dobra'), ('SVC', 'SVC - El Salvador Colon'), ('SYP', 'SYP - Syrian Pound'), ('SZL', 'SZL - Lilangeni'), ('THB', 'THB - Baht'), ('TJS', 'TJS - Somoni'), ('TMT', 'TMT - Turkmenistan New Manat'), ('TND', 'TND - Tunisian Dinar'), ('TOP', 'TOP - Pa’anga'), ('TRY', 'TRY - Turkish Lira'), ('TTD', 'TTD - Trinidad and Tobago Dollar'), ('TWD', 'TWD - New Taiwan Dollar'), ('TZS', 'TZS - Tanzanian Shilling'), ('UAH', 'UAH - Hryvnia'), ('UGX', 'UGX - Uganda Shilling'), ('USD', 'USD - US Dollar'), ('USN', 'USN - US Dollar (Next day)'), ('UYI', 'UYI - Uruguay Peso en Unidades Indexadas (UI)'), ('UYU', 'UYU - Peso Uruguayo'), ('UYW', 'UYW - Unidad Previsional'), ('UZS', 'UZS - Uzbekistan Sum'), ('VED', 'VED - Bolívar Soberano'), ('VES', 'VES - Bolívar Soberano'), ('VND', 'VND - Dong'), ('VUV', 'VUV - Vatu'), ('WST', 'WST - Tala'), ('XAD', 'XAD - Arab Accounting Dinar'), ('XAF', 'XAF - CFA Franc BEAC'), ('XAG', 'XAG - Silver'), ('XAU', 'XAU - Gold'), ('XBA', 'XBA - Bond Markets Unit European Composite Unit (EURCO)'), ('XBB', 'XBB - Bond Markets Unit European Monetary Unit (E.M.U.-6)'), ('XBC', 'XBC - Bond Markets Unit European Unit of Account 9 (E.U.A.-9)'), ('XBD', 'XBD - Bond Markets Unit European Unit of Account 17 (E.U.A.-17)'), ('XCD', 'XCD - East Caribbean Dollar'), ('XCG', 'XCG - Caribbean Guilder'), ('XDR', 'XDR - SDR (Special Drawing Right)'), ('XOF', 'XOF - CFA Franc BCEAO'), ('XPD', 'XPD - Palladium'), ('XPF', 'XPF - CFP Franc'), ('XPT', 'XPT - Platinum'), ('XSU', 'XSU - Sucre'), ('XTS', 'XTS - Codes specifically reserved for testing purposes'), ('XUA', 'XUA - ADB Unit of Account'), ('XXX', 'XXX - The codes assigned for transactions where no currency is involved'), ('YER', 'YER - Yemeni Rial'), ('ZAR', 'ZAR - Rand'), ('ZMW', 'ZMW - Zambian Kwacha'), ('ZWG', 'ZWG - Zimbabwe Gold')], max_length=3, validators=[core.validators.validate_currency])),
                ('bank_reference', models.CharField(blank=True, max_length=100)),
                ('end_to_end_id', models.CharField(blank=True, max_length=100)),
                ('counterparty_name', models.CharField(blank=True, max_length=200)),
                ('counterparty_account', models.CharField(blank=True, max_length=64)),
                ('remittance_info', models.CharField(blank=True, max_length=500)),
            ],
            options={
                'ordering': ['entry', 'position'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='bankentry',
            name='bank_entry_once_per_reference',
        ),
        migrations.AddField(
            model_name='bankentry',
            name='entry_key',
            field=models.CharField(default='', help_text='What tells this entry from every other one on the account: ref:<bank reference>, rev:<bank reference> or pos:<statement id>:<position>.', max_length=128),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='bankentry',
            name='is_reversal',
            field=models.BooleanField(default=False, help_text='The bank reversed an earlier entry (RvslInd).'),
        ),
        migrations.AddField(
            model_name='bankentry',
            name='position',
            field=models.PositiveIntegerField(default=0, help_text="The entry's place in its statement: the Ntry's number (camt.053) or the line in the file (CSV)."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='bankentry',
            name='reversal_of',
            field=models.ForeignKey(blank=True, help_text='The entry this one reverses.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversals', to='assets.bankentry'),
        ),
        migrations.AlterField(
            model_name='bankentry',
            name='bank_reference',
            field=models.CharField(blank=True, help_text="The bank's own reference (AcctSvcrRef); blank when none.", max_length=100),
        ),
        migrations.AlterField(
            model_name='bankentry',
            name='category',
            field=models.CharField(choices=[('lease_receipt', 'lease receipt'), ('certificate_sale', 'certificate sale'), ('expense', 'expense'), ('transfer', 'transfer'), ('reversal', 'reversal'), ('unclassified', 'unclassified')], default='unclassified', max_length=20),
        ),
        migrations.RunPython(keys_for_stored_entries, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='bankentry',
            constraint=models.UniqueConstraint(fields=('account', 'entry_key'), name='bank_entry_once_per_key'),
        ),
        migrations.AddConstraint(
            model_name='bankentry',
            constraint=models.UniqueConstraint(fields=('statement', 'position'), name='bank_entry_one_per_position'),
        ),
        migrations.AddConstraint(
            model_name='bankentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('is_reversal', True), ('reversal_of__isnull', False)), models.Q(('is_reversal', False), ('reversal_of__isnull', True)), _connector='OR'), name='bank_entry_reversal_has_original'),
        ),
        migrations.AddField(
            model_name='bankentrydetail',
            name='entry',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='details', to='assets.bankentry'),
        ),
        migrations.AddConstraint(
            model_name='bankentrydetail',
            constraint=models.UniqueConstraint(fields=('entry', 'position'), name='bank_entry_detail_one_per_position'),
        ),
        migrations.AddConstraint(
            model_name='bankentrydetail',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='bank_entry_detail_amount_positive'),
        ),
    ]
