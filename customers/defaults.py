"""The default pipeline: lead → qualified → proposal → negotiation → signed, and lost."""

STAGES = [
    # key, name, counts as signed, counts as lost
    ("lead", "线索", False, False),
    ("qualified", "已确认需求", False, False),
    ("proposal", "方案报价", False, False),
    ("negotiation", "商务谈判", False, False),
    ("signed", "已签约", True, False),
    ("lost", "已丢单", False, True),
]


def install_default_stages(stage_model) -> None:
    """Create the default stages that are missing (a data migration runs it
    with the historical model; the demo seed with the current one)."""
    for position, (key, name, won, lost) in enumerate(STAGES):
        stage_model.objects.get_or_create(
            key=key, defaults={"name": name, "position": position, "is_won": won, "is_lost": lost}
        )
