"""The referral network's graph labels each organization readably: its short name, whole."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from directory.models import Organization
from gaps.selectors import organization_short_name
from gaps.tests.conftest import signed_in
from gaps.views.drawing import _label_lines

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "alternate", "short"),
    [
        ("Corporación Puertas Abiertas", "", "Corp. Puertas Abiertas"),
        ("Programa de Prevención Focalizada Los Aromos", "", "PPF Los Aromos"),
        ("Oficina Local de la Niñez Río Claro", "", "OLN Río Claro"),
        ("Juzgado de Familia de Río Claro", "", "JF Río Claro"),
        ("CESFAM El Roble", "", "CESFAM El Roble"),  # short enough already
        ("Corporación Puertas Abiertas", "Puertas Abiertas", "Puertas Abiertas"),
    ],
)
def test_a_long_name_is_abbreviated_the_same_way_every_time(name, alternate, short):
    assert organization_short_name(name, alternate) == short
    assert organization_short_name(name, alternate) == organization_short_name(name, alternate)


def test_a_label_breaks_between_words_and_is_never_cut():
    assert _label_lines("Corp. Puertas Abiertas") == ["Corp. Puertas", "Abiertas"]
    assert _label_lines("PPF Los Aromos") == ["PPF Los Aromos"]
    lines = _label_lines("Mediación Villa Los Andes Norte")
    assert len(lines) == 2 and " ".join(lines) == "Mediación Villa Los Andes Norte"


def test_the_graph_labels_nodes_by_short_name_with_the_full_name_on_hover_and_in_the_table(
    client, planner, network_snapshot, referrals
):
    Organization.objects.filter(name="Proveedor Grande").update(alternate_name="PG")
    Organization.objects.filter(name="Equipo Derivador").update(
        name="Corporación Equipo Derivador Metropolitano"
    )
    response = signed_in(client, planner).get(reverse("gaps:network"))
    html = response.content.decode()
    graph = html.split('id="snapshot-graph"')[1].split("</svg>")[0]
    nodes = re.findall(r'<g class="network-node[^"]*"[^>]*>.*?</g>', graph, flags=re.S)
    assert len(nodes) == 3
    labels, titles = [], []
    for node in nodes:
        labels.append(" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", node)))
        titles.append(re.search(r"<title>([^<]*)</title>", node).group(1))
    # The node's label is the short name, whole; no ellipsis anywhere.
    assert "PG" in labels
    assert "CEDM" in labels  # no alternate name: an abbreviation
    assert "Proveedor Chico" in labels
    assert not any("…" in label for label in labels)
    # Hovering the node (its <title>, on the whole group) gives the full name.
    assert any(t.startswith("Proveedor Grande:") for t in titles)
    assert any(t.startswith("Corporación Equipo Derivador Metropolitano:") for t in titles)
    # The table beside the graph names each one in full, with the label it goes by.
    table = html.split('id="snapshot-organizations"')[1].split("</table>")[0]
    assert "Corporación Equipo Derivador Metropolitano" in table and "(CEDM)" in table
    assert "Proveedor Grande" in table and "(PG)" in table


def test_teams_that_refer_to_many_go_on_an_inner_ring_so_labels_do_not_pile_up():
    from gaps.network import network_indicators
    from gaps.selectors import network_summary
    from gaps.views.drawing import GRAPH_HEIGHT, GRAPH_WIDTH, network_graph
    from tests.factories import OrganizationFactory

    teams = [OrganizationFactory(name=f"Equipo {i}") for i in range(3)]
    services = [OrganizationFactory(name=f"Prestador {i}") for i in range(9)]
    senders, receivers = [], []
    for team in teams:
        for service in services:
            senders += [team.pk] * 6
            receivers += [service.pk] * 6
    n = len(senders)
    result = network_indicators(
        senders=senders,
        receivers=receivers,
        accepted=[True] * n,
        completed=[False] * n,
        overdue=[False] * n,
        days_to_attention=[1.0] * n,
        organizations=[o.pk for o in teams + services],
    )
    graph = network_graph(graph_id="g", summary=network_summary(indicators=result.as_dict()))
    cx, cy = GRAPH_WIDTH / 2, GRAPH_HEIGHT / 2

    def reach(node) -> float:
        return ((node.x - cx) / GRAPH_WIDTH) ** 2 + ((node.y - cy) / GRAPH_HEIGHT) ** 2

    inner = [reach(n) for n in graph.nodes if n.name.startswith("Equipo")]
    outer = [reach(n) for n in graph.nodes if n.name.startswith("Prestador")]
    assert max(inner) < min(outer)
    # Drawn the same way every time.
    again = network_graph(graph_id="g", summary=network_summary(indicators=result.as_dict()))
    assert [(n.x, n.y) for n in again.nodes] == [(n.x, n.y) for n in graph.nodes]
