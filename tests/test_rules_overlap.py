"""overlap (O001/O002): recall on renamed / re-nested duplicates, precision on unrelated schemas."""

from __future__ import annotations

import copy
import json

from helpers_structural import make_ws, ref
from helpers_ws import family, hits, obj, run, schema

TS = {"$ref": "common/ids.schema.json#/$defs/timestamp"}
STR = {"type": "string"}


def order() -> dict:
    return schema({
        "order_id": {"type": "string", "pattern": "^ord_[0-9]{8}$"},
        "customer_email": {"type": "string", "format": "email"},
        "amount_cents": {"type": "integer", "minimum": 0},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
        "channel": {"type": "string", "enum": ["web", "store", "phone"]},
        "line_items": {"type": "array", "items": obj({
            "sku": {"type": "string", "pattern": "^SKU-[A-Z0-9]{6}$"},
            "quantity": {"type": "integer", "minimum": 1},
            "unit_price_cents": {"type": "integer", "minimum": 0},
        }, ["sku", "quantity"])},
        "shipping_address": obj({
            "street": STR, "city": STR,
            "postcode": {"type": "string", "pattern": "^[0-9]{5}$"},
            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        }, ["street", "city"]),
        "created_at": TS,
        "status": {"type": "string", "enum": ["open", "paid", "shipped"]},
    }, ["order_id", "amount_cents", "currency", "line_items"])


def purchase_renamed() -> dict:
    """The same concept with every field renamed."""
    return schema({
        "purchase_ref": {"type": "string", "pattern": "^ord_[0-9]{8}$"},
        "buyer_email": {"type": "string", "format": "email"},
        "total_cents": {"type": "integer", "minimum": 0},
        "currency_code": {"type": "string", "enum": ["EUR", "GBP", "USD"]},
        "sales_channel": {"type": "string", "enum": ["web", "store", "phone"]},
        "items": {"type": "array", "items": obj({
            "product_code": {"type": "string", "pattern": "^SKU-[A-Z0-9]{6}$"},
            "qty": {"type": "integer", "minimum": 1},
            "price_cents": {"type": "integer", "minimum": 0},
        })},
        "delivery": obj({
            "line1": STR, "town": STR,
            "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            "country_code": {"type": "string", "pattern": "^[A-Z]{2}$"},
        }),
        "placed_at": TS,
    }, ["purchase_ref"])


def order_renested() -> dict:
    """The same fields and names, grouped at other depths."""
    body = order()
    props = body["properties"]
    return schema({
        "order": obj({k: props[k] for k in ("order_id", "currency", "channel", "status")}),
        "payment": obj({"amount_cents": props["amount_cents"],
                        "payer": obj({"customer_email": props["customer_email"]})}),
        "fulfilment": obj({"line_items": props["line_items"],
                           "destination": obj({"address": props["shipping_address"]})}),
        "created_at": TS,
    })


def test_exact_duplicate_between_existing_families_is_a_warning(tmp_path):
    make_ws(tmp_path, {"order": order(), "sale": order()},
            [family("orders", ["order"]), family("sales", ["sale"])])
    result = run(tmp_path, "overlap")
    (f,) = hits(result)
    assert (f.rule, f.severity, f.subjects) == ("O001", "warning", ("orders", "sales"))
    assert "score 1.00" in f.message and "/order_id" in f.message and "/line_items/[]/sku" in f.message


def test_new_family_duplicating_reusable_one_is_an_error(tmp_path):
    make_ws(tmp_path, {"order": order(), "sale": order()},
            [family("orders", ["order"]), family("sales", ["sale"], decision="new", tier="experimental",
                                                 rationale="We need our own sales contract.")])
    (f,) = hits(run(tmp_path, "overlap"))
    assert (f.rule, f.severity, f.path) == ("O002", "error", "decisions/families/sales.yaml")
    assert f.subjects == ("sales", "orders") and "naming orders" in f.message


def test_new_family_whose_rationale_names_the_other_is_only_a_warning(tmp_path):
    make_ws(tmp_path, {"order": order(), "sale": order()},
            [family("orders", ["order"]), family("sales", ["sale"], decision="new", tier="experimental",
                                                 rationale="The `orders` contract cannot carry POS data.")])
    (f,) = hits(run(tmp_path, "overlap"))
    assert (f.rule, f.severity) == ("O001", "warning")
    assert "names orders" in f.message


def test_alternatives_considered_counts_as_naming(tmp_path):
    make_ws(tmp_path, {"order": order(), "sale": order()},
            [family("orders", ["order"]), family("sales", ["sale"], decision="new",
                                                 rationale="POS data.", alternatives_considered=["orders"])])
    assert [f.rule for f in hits(run(tmp_path, "overlap"))] == ["O001"]


def test_waiver_turns_the_warning_into_info(tmp_path):
    waiver = [{"rule": "O001", "subject": "orders", "reason": "merging in v2"}]
    make_ws(tmp_path, {"order": order(), "sale": order()},
            [family("orders", ["order"]), family("sales", ["sale"], waivers=waiver)])
    (f,) = hits(run(tmp_path, "overlap"))
    assert (f.severity, f.note) == ("info", "waived in decisions/families/sales.yaml: merging in v2")


def test_two_new_families_report_one_error(tmp_path):
    make_ws(tmp_path, {"order": order(), "sale": order()},
            [family("orders", ["order"], decision="new", alternatives_considered=["carts"]),
             family("sales", ["sale"], decision="new")])
    (f,) = hits(run(tmp_path, "overlap"))
    assert (f.rule, f.subjects) == ("O002", ("sales", "orders"))


def test_recall_renamed_fields(tmp_path):
    make_ws(tmp_path, {"order": order(), "purchase": purchase_renamed()},
            [family("orders", ["order"]), family("purchases", ["purchase"], decision="new")])
    (f,) = hits(run(tmp_path, "overlap"))
    assert f.rule == "O002"
    assert "share 14 fields" in f.message
    assert "/buyer_email (as /customer_email)" in f.message  # distinctive format
    assert "/delivery/town (as /shipping_address/city)" in f.message  # plain string inside a paired object


def test_recall_different_nesting_depth(tmp_path):
    make_ws(tmp_path, {"order": order(), "order_v2": order_renested()},
            [family("orders", ["order"]), family("orders_v2", ["order_v2"], decision="new")])
    (f,) = hits(run(tmp_path, "overlap"))
    assert f.rule == "O002"
    assert "/fulfilment/destination/address/postcode (as /shipping_address/postcode)" in f.message


def test_undecided_schema_overlapping_a_family(tmp_path):
    make_ws(tmp_path, {"order": order(), "purchase": purchase_renamed()}, [family("orders", ["order"])])
    (f,) = hits(run(tmp_path, "overlap"))
    assert (f.rule, f.severity, f.subjects, f.path) == (
        "O001", "warning", ("purchase", "orders"), "ssot/schemas/purchase.schema.json")


def test_newcomer_copying_a_new_family_is_the_one_reported(tmp_path):
    """A schema no family claims yet is not a reusable alternative: it gets O001, the `new` family nothing."""
    make_ws(tmp_path, {"order": order(), "purchase": purchase_renamed()},
            [family("orders", ["order"], decision="new")])
    (f,) = hits(run(tmp_path, "overlap"))
    assert (f.rule, f.severity, f.path) == ("O001", "warning", "ssot/schemas/purchase.schema.json")


def test_reuse_through_ref_is_not_overlap(tmp_path):
    envelope = schema({"run_id": ref("run_id"), "order": {"$ref": "order.schema.json"},
                       "received_at": TS, "channel_hint": {"type": "string", "enum": ["a", "b"]}})
    make_ws(tmp_path, {"order": order(), "order_event": envelope},
            [family("orders", ["order"]), family("order_events", ["order_event"], decision="new")])
    assert hits(run(tmp_path, "overlap")) == []


def _unrelated() -> dict[str, dict]:
    """Six unrelated contracts sharing the generic fields real workspaces share."""
    def generic(status: list[str]) -> dict:
        return {
            "id": {"type": "string", "format": "uuid"}, "name": STR, "description": STR,
            "version": {"type": "integer", "minimum": 1}, "created_at": TS, "updated_at": TS,
            "status": {"type": "string", "enum": status}, "tenant_id": ref("tenant_id"),
            "correlation_id": ref("correlation_id"), "user_id": ref("user_id"), "run_id": ref("run_id"),
            "tags": {"type": "array", "items": STR},
        }
    def s(pattern=None, **kw):
        return {"type": "string", **({"pattern": pattern} if pattern else {}), **kw}

    own = {
        "invoice": {"iban": s("^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"), "total_cents": {"type": "integer", "minimum": 0},
                    "due_date": s(format="date"), "vat_rate": {"type": "number", "maximum": 1}},
        "sensor_reading": {"sensor": s("^sn-[0-9]{6}$"), "celsius": {"type": "number"},
                           "humidity": {"type": "number", "minimum": 0, "maximum": 100},
                           "battery_low": {"type": "boolean"}},
        "user_account": {"email": s(format="email"), "locale": s("^[a-z]{2}-[A-Z]{2}$"),
                         "roles": {"type": "array", "items": {"enum": ["admin", "member", "viewer"]}},
                         "mfa": {"type": "boolean"}},
        "build_job": {"commit": s("^[0-9a-f]{40}$"), "branch": STR,
                      "duration_seconds": {"type": "number", "minimum": 0}, "runner": s(enum=["linux", "mac"])},
        "support_ticket": {"priority": s(enum=["p1", "p2", "p3"]), "subject": s(maxLength=200),
                           "assignee_email": s(format="email"), "sla_hours": {"type": "integer"}},
        "feature_flag": {"key": s("^[a-z][a-z0-9_]{2,40}$"), "rollout_percent": {"type": "integer", "maximum": 100},
                         "default_on": {"type": "boolean"}, "owners": {"type": "array", "items": STR}},
    }
    states = [["draft", "sent", "paid"], ["ok", "stale"], ["active", "locked"], ["queued", "running", "done"],
              ["open", "closed"], ["active", "archived"]]
    return {name: schema(generic(st) | props, ["id", "name", "status", "created_at"])
            for (name, props), st in zip(own.items(), states, strict=True)}


def test_precision_unrelated_schemas_sharing_generic_fields(tmp_path):
    schemas = _unrelated()
    make_ws(tmp_path, schemas, [family(n, [n], decision="new", intent="resource_spec") for n in schemas])
    assert hits(run(tmp_path, "overlap")) == []


def test_precision_holds_for_pairs_and_undecided_schemas(tmp_path):
    schemas = _unrelated()
    for a, b in (("invoice", "support_ticket"), ("build_job", "feature_flag")):
        root = tmp_path / f"{a}-{b}"
        make_ws(root, {a: schemas[a], b: copy.deepcopy(schemas[b])})
        assert hits(run(root, "overlap")) == []


def test_rechecks_after_edits_score_as_a_cold_check(tmp_path):
    """Alignments are reused while both schemas' facts are (a re-check after a save); weights are not:
    after editing a third schema, and then one of the pair, the findings are a cold check's."""
    from workbench.analysis import similarity

    root = make_ws(tmp_path, {"order": order(), "purchase": purchase_renamed(), "other": schema({"x": STR})},
                   [family("orders", ["order"]), family("purchases", ["purchase"]), family("others", ["other"])])

    def warm_and_cold() -> tuple[list, list]:
        warm = [(f.rule, f.message) for f in hits(run(root, "O001"))]
        similarity._ALIGNED.clear()
        return warm, [(f.rule, f.message) for f in hits(run(root, "O001"))]

    warm, cold = warm_and_cold()
    assert warm == cold and len(cold) == 1 and similarity._ALIGNED
    edited = schema({"x": STR, **{f"f{i}": {"type": "string", "pattern": f"^p{i}$"} for i in range(6)}})
    (root / "ssot/schemas/other.schema.json").write_text(json.dumps(edited))
    warm, cold = warm_and_cold()
    assert warm == cold and len(cold) == 1
    (root / "ssot/schemas/purchase.schema.json").write_text(json.dumps(schema({"y": STR})))
    assert hits(run(root, "O001")) == []
