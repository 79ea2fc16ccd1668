"""The article's promises as default SLA policies (editable per organisation)."""

DEFAULT_POLICIES = [
    # key, name, basis, hours, warn at, escalate every (hours)
    ("customer_special.conclusion", "客户专项会:当天出结论(不过夜)", "end_of_day", 0, [0.75], 24),
    ("customer_special.execution", "客户专项会:24 小时内执行并反馈", "calendar", 24, [0.75], 24),
    ("customer_issue.feedback", "客户问题:24 小时内给客户明确反馈", "calendar", 24, [0.75], 24),
    (
        "resource_coordination.implementation",
        "资源协同:48 小时内落实资源方案",
        "calendar",
        48,
        [0.5, 0.75],
        24,
    ),
    ("resource_coordination.review", "资源协同:需求方评价落实情况", "calendar", 72, [0.75], 24),
    ("decision", "会议决议:按约定时间完成", "due_date", 0, [0.75], 24),
]


def install_default_policies(policy_model) -> None:
    for key, name, basis, hours, warn_at, every in DEFAULT_POLICIES:
        policy_model.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "basis": basis,
                "hours": hours,
                "warn_at": warn_at,
                "escalate_every_hours": every,
            },
        )
