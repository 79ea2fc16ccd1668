from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from customers.demo import seed_customers
from customers.models import Customer
from meetings.demo import seed_meetings
from meetings.models import Meeting
from org.choices import Role
from org.demo import DEMO_PASSWORD, SIZES, seed_org
from salesmeet.large_seed import seed_large


class Command(BaseCommand):
    help = "Create the demo organisation and logins (idempotent: run it as often as you like)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="small",
            help="small: one company, 2 regions, 5 teams, ~30 reps (default). "
            "large: 10 regions, 200 teams, 2,000 reps and two years of their meetings, "
            "action items and results, for benchmarks (minutes, best on PostgreSQL).",
        )

    def handle(self, *args, size, **options):
        report = seed_org(size)
        meetings = seed_meetings()
        customers = seed_customers()
        if size == "large":
            # Two years of activity on top: see salesmeet/large_seed.py.
            seed_large(self.stdout.write)
            meetings, customers = Meeting.objects.count(), Customer.objects.count()
        self.stdout.write(
            _("Demo organisation ready: %(units)d units and %(people)d people created.")
            % {"units": report.units_created, "people": report.people_created}
        )
        self.stdout.write(_("%(count)d meetings on the calendar.") % {"count": meetings})
        self.stdout.write(_("%(count)d customers in the pipeline.") % {"count": customers})
        self.stdout.write(
            _("Log in with password “%(password)s” as:") % {"password": DEMO_PASSWORD}
        )
        for account in report.logins:
            role = Role(account.role).label
            self.stdout.write(f"  {account.username:<10} {account.full_name}  {role}")
