from django.core.management.base import BaseCommand

from actions import services


class Command(BaseCommand):
    help = "Print how many SLA clocks are running, at risk, paused and breached (open items)."

    def handle(self, *args, **options):
        status = services.status()
        self.stdout.write(
            f"running: {status.running}\nat risk: {status.at_risk}\npaused: {status.paused}\n"
            f"breached (open): {status.breached_open}"
        )
