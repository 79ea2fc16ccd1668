from django.core.management.base import BaseCommand

from targets import rule


class Command(BaseCommand):
    help = (
        "Run the gap rule once over the current periods "
        "and print the reviews it proposed or extended."
    )

    def handle(self, *args, **options):
        findings = rule.check_all()
        for finding in findings:
            self.stdout.write(
                f"{finding.period} · {finding.unit} · {finding.metric}: "
                f"gap {finding.gap * 100:.1f}% → review #{finding.review.pk}"
            )
        self.stdout.write(f"findings: {len(findings)}")
