from django.core.management.base import BaseCommand

from actions import services


class Command(BaseCommand):
    help = "Run one SLA sweep now (breach, warn, escalate) and print what it did."

    def handle(self, *args, **options):
        report = services.sweep()
        self.stdout.write(
            f"breached: {report.breached}\nwarned: {report.warned}\nescalated: {report.escalated}"
        )
