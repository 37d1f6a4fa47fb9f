"""The suite reads its expectations from the contract: enumerations, rights, descriptions."""

from __future__ import annotations

from conformance.oracle.contract import DEFAULT_SPEC_PATH, Contract

CONTRACT = Contract.load(DEFAULT_SPEC_PATH)


def test_orders_come_from_the_enumerations() -> None:
    assert CONTRACT.status_order[0] == "notYetContacted"
    assert CONTRACT.time_frame_order[:3] == ("0", "1", "1-3")
    assert "other" not in CONTRACT.channels_by_source
    assert "dubizzle" in CONTRACT.channels_by_source["portal"]


def test_every_operation_has_its_rights() -> None:
    by_id = {op.operation_id: op for op in CONTRACT.operations}
    assert by_id["bulk_delete_leads"].rights.required == ("lead.delete",)
    assert by_id["bulk_delete_leads"].rights.other == "lead.delete.other"
    assert by_id["patch_lead"].rights.by_path["/assignment/user"] == ("user.update",)
    assert all(op.rights.required for op in CONTRACT.operations)


def test_filter_descriptions_name_the_clause() -> None:
    assert "from_price >= value" in CONTRACT.filter_description("filters[wishlist][from_price]")
    assert "case-insensitively" in CONTRACT.filter_description("filters[city]")
    assert "notYetContacted" in CONTRACT.filter_description("filters[status]")
