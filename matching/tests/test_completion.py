from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from accounts.models import User
from cases.models import Case, CaseNeed
from directory.models import (
    AccessRoute,
    Modality,
    Organization,
    OrganizationSector,
    Service,
    ServiceAtSite,
    ServiceKind,
    Site,
    Taxonomy,
    TaxonomyTerm,
    Territory,
    TerritoryLevel,
)
from matching.completion import (
    FEATURE_LABELS,
    FEATURES,
    completion_fit,
    completion_model_active,
    completion_model_from_fit,
    completion_model_report,
    completion_model_train,
    completion_probability,
    completion_training_rows,
)
from matching.models import CompletionModel, Referral, ReferralStatus

SANTIAGO = ZoneInfo("America/Santiago")
FAILURES = (
    ReferralStatus.NO_SHOW,
    ReferralStatus.REJECTED,
    ReferralStatus.EXPIRED,
    ReferralStatus.WITHDRAWN,
)


def _offset(origin: Point, *, km: float, bearing: float) -> Point:
    """The point ``km`` from ``origin`` towards ``bearing`` (radians), on a local plane."""
    lat = origin.y + km * math.cos(bearing) / 110.574
    lon = origin.x + km * math.sin(bearing) / (111.320 * math.cos(math.radians(origin.y)))
    return Point(lon, lat, srid=4326)


@dataclass
class World:
    territory: Territory
    owner: Organization
    user: User
    sites: list[ServiceAtSite]
    term: TaxonomyTerm


def _world(*, services: int = 3) -> World:
    territory = Territory.objects.create(
        code="T-ML",
        name="Comuna de prueba",
        level=TerritoryLevel.MUNICIPALITY,
        geometry=MultiPolygon(
            Polygon(
                ((-70.8, -33.6), (-70.4, -33.6), (-70.4, -33.3), (-70.8, -33.3), (-70.8, -33.6)),
                srid=4326,
            ),
            srid=4326,
        ),
    )
    owner = Organization.objects.create(name="OPD de prueba", sector=OrganizationSector.MUNICIPAL)
    user = User.objects.create(username="gestora-ml")
    taxonomy = Taxonomy.objects.create(name="Taxonomía de prueba ML")
    term = TaxonomyTerm.objects.create(taxonomy=taxonomy, code="ml.therapy", name="Terapia")
    places = [(-70.6, -33.45), (-70.55, -33.42), (-70.65, -33.48)]
    sites = []
    for n in range(services):
        org = Organization.objects.create(name=f"Proveedor {n}", sector=OrganizationSector.NGO)
        service = Service.objects.create(
            organization=org,
            name=f"Programa {n}",
            kind=ServiceKind.SPECIALIZED,
            modality=Modality.INDIVIDUAL,
            access_routes=[AccessRoute.REFERRAL],
            category_codes=["ml", "ml.therapy"],
        )
        site = Site.objects.create(
            organization=org,
            name=f"Sede {n}",
            address_1="Calle Inventada 1",
            city="Río Claro",
            point=Point(*places[n % len(places)], srid=4326),
            territory=territory,
        )
        sites.append(ServiceAtSite.objects.create(service=service, site=site, capacity=5 + n))
    return World(territory=territory, owner=owner, user=user, sites=sites, term=term)


def _case(world: World, *, home: Point, birth_date: date, risk_level: str = "moderate") -> Case:
    return Case(
        organization=world.owner,
        birth_date=birth_date,
        sex="female",
        home=home,
        territory=world.territory,
        risk_level=risk_level,
        access_route=AccessRoute.REFERRAL,
    )


def _synthetic_referrals(world: World, *, count: int = 300, seed: int = 7) -> None:
    """Closed referrals where the chance of completing falls steeply with distance."""
    rng = np.random.default_rng(seed)
    start = timezone.now() - timedelta(days=400)
    cases: list[Case] = []
    referrals: list[Referral] = []
    for i in range(count):
        sas = world.sites[i % len(world.sites)]
        km = float(rng.uniform(0.2, 7.5))
        home = _offset(sas.site.point, km=km, bearing=float(rng.uniform(0, 2 * math.pi)))
        case = _case(
            world,
            home=home,
            birth_date=date(2012, 1, 1) + timedelta(days=int(rng.integers(0, 3000))),
            risk_level=str(rng.choice(["low", "moderate", "high", "very_high"])),
        )
        cases.append(case)
        completes = rng.random() < 1 / (1 + math.exp(1.5 * (km - 3.5)))
        status = ReferralStatus.COMPLETED if completes else FAILURES[i % len(FAILURES)]
        sent = start + timedelta(hours=24 * i)
        answered = status != ReferralStatus.EXPIRED
        referrals.append(
            Referral(
                case=case,
                service=sas.service,
                service_at_site=sas,
                status=status,
                created_by=world.user,
                sent_at=sent,
                responded_at=sent + timedelta(days=2) if answered else None,
                closed_at=sent + timedelta(days=20),
            )
        )
    Case.objects.bulk_create(cases)
    Referral.objects.bulk_create(referrals)


@pytest.fixture
def trained_world(db) -> World:
    world = _world()
    _synthetic_referrals(world)
    return world


def test_it_stays_off_below_the_threshold(db, settings):
    settings.MATCHING_COMPLETION_MIN_REFERRALS = 200
    world = _world()
    _synthetic_referrals(world, count=30)

    assert completion_model_train() is None
    assert not CompletionModel.objects.exists()
    assert completion_model_active() is None
    report = completion_model_report()
    assert report["on"] is False
    assert report["model"] is None
    assert report["closed_referrals"] == 30
    assert report["threshold"] == 200
    assert report["enough_referrals"] is False


def test_it_also_stays_off_while_either_outcome_has_fewer_than_ten_referrals(db):
    world = _world()
    _synthetic_referrals(world, count=30)
    Referral.objects.update(status=ReferralStatus.COMPLETED)

    assert completion_model_train(min_referrals=20) is None
    assert not CompletionModel.objects.exists()


def test_training_rows_count_only_what_was_known_when_each_referral_was_sent(db):
    world = _world(services=1)
    first = world.sites[0]
    first.capacity = 0
    first.save()
    service = first.service
    far_point = _offset(first.site.point, km=5.0, bearing=math.pi / 2)
    second = ServiceAtSite.objects.create(
        service=service,
        site=Site.objects.create(
            organization=service.organization,
            name="Sede lejana",
            address_1="Calle Inventada 2",
            city="Río Claro",
            point=far_point,
            territory=world.territory,
        ),
        capacity=4,
    )
    other_term = TaxonomyTerm.objects.create(
        taxonomy=world.term.taxonomy, code="ml.housing", name="Vivienda"
    )
    # The first child turns 7 on 2024-03-15 (Santiago), between her two referrals.
    child = _case(
        world,
        home=_offset(first.site.point, km=2.0, bearing=0.0),
        birth_date=date(2017, 3, 15),
        risk_level="high",
    )
    # The second child lives 1 km from the far site, which she is referred to without
    # a recorded site: the nearest site of the service stands in.
    other = _case(
        world,
        home=_offset(far_point, km=1.0, bearing=math.pi),
        birth_date=date(2015, 6, 1),
        risk_level="low",
    )
    Case.objects.bulk_create([child, other])
    CaseNeed.objects.create(case=child, term=world.term)
    CaseNeed.objects.create(case=child, term=other_term)
    day0 = datetime(2024, 3, 14, 12, 0, tzinfo=SANTIAGO)

    def referral(case, *, status, sent, answered=None, closed=None, sas=first):
        return Referral.objects.create(
            case=case,
            service=service,
            service_at_site=sas,
            status=status,
            created_by=world.user,
            sent_at=day0 + timedelta(days=sent) if sent is not None else None,
            responded_at=day0 + timedelta(days=answered) if answered is not None else None,
            closed_at=day0 + timedelta(days=closed) if closed is not None else None,
        )

    referral(child, status=ReferralStatus.COMPLETED, sent=0, answered=1, closed=10)
    referral(child, status=ReferralStatus.NO_SHOW, sent=5, answered=6, closed=20)
    referral(other, status=ReferralStatus.REJECTED, sent=30, answered=31, closed=31, sas=None)
    # Not closed, or never sent: no outcome to learn from.
    referral(other, status=ReferralStatus.IN_SERVICE, sent=40, answered=41)
    referral(other, status=ReferralStatus.DRAFT, sent=None)

    X, y = completion_training_rows()
    rows = [dict(zip(FEATURES, row, strict=True)) for row in X]

    assert y.tolist() == [1, 0, 0]
    assert [r["distance_km"] for r in rows] == pytest.approx([2.0, 2.0, 1.0], rel=0.01)
    assert second.capacity > 0
    assert [r["free_slots"] for r in rows] == [0.0, 0.0, 1.0]
    # Nothing answered before the first; the first answered (accepted) but not yet
    # closed when the second was sent; both answered and closed before the third.
    assert [r["acceptance"] for r in rows] == pytest.approx([0.7, 4.5 / 6, 5.5 / 7])
    assert [r["completion"] for r in rows] == pytest.approx([0.6, 0.6, 4.0 / 7])
    assert [r["needs_covered"] for r in rows] == [0.5, 0.5, 0.0]
    assert [r["continuity"] for r in rows] == [0.0, 1.0, 0.0]
    assert [r["risk_band"] for r in rows] == [2.0, 2.0, 0.0]
    assert [r["age"] for r in rows] == [6.0, 7.0, 8.0]

    X_before, y_before = completion_training_rows(before=day0 + timedelta(days=20))
    assert X_before.shape == (2, len(FEATURES))
    assert y_before.tolist() == [1, 0]


def test_trained_where_distance_decides_the_model_is_on_good_and_blames_distance(
    trained_world,
):
    model = completion_model_train(min_referrals=200)

    assert model is not None
    assert model.is_active
    assert completion_model_active() == model
    assert model.features == list(FEATURES)
    assert model.training_size + model.test_size == 300
    assert model.test_size == 60
    assert model.auc is not None
    assert model.auc > 0.75
    distance = model.coefficients[FEATURES.index("distance_km")]
    assert distance < 0
    assert abs(distance) == max(abs(c) for c in model.coefficients)

    report = completion_model_report()
    assert report["on"] is True
    assert report["closed_referrals"] == 300
    assert report["model"]["auc"] == model.auc
    first = report["model"]["coefficients"][0]
    assert first["feature"] == "distance_km"
    assert first["label"] == str(FEATURE_LABELS["distance_km"])
    assert first["odds_ratio"] < 1


def test_only_one_model_is_active_after_retraining(trained_world):
    first = completion_model_train(min_referrals=200, seed=0)
    second = completion_model_train(min_referrals=200, seed=1)

    assert first is not None
    assert second is not None
    assert CompletionModel.objects.count() == 2
    assert list(CompletionModel.objects.filter(is_active=True)) == [second]
    assert completion_model_active() == second


def test_completion_probability_is_a_probability_with_a_sentence_naming_features(
    trained_world,
):
    model = completion_model_train(min_referrals=200)
    assert model is not None
    typical = {
        "distance_km": 1.0,
        "free_slots": 1.0,
        "acceptance": 0.7,
        "completion": 0.6,
        "needs_covered": 1.0,
        "continuity": 0.0,
        "risk_band": 1.0,
        "age": 9.0,
    }

    near, near_sentence = completion_probability(model=model, features=typical)
    far, far_sentence = completion_probability(
        model=model, features={**typical, "distance_km": 7.0}
    )

    assert 0.0 <= far < near <= 1.0
    assert f"{round(100 * near)}%" in near_sentence
    assert str(FEATURE_LABELS["distance_km"]) in near_sentence
    assert str(FEATURE_LABELS["distance_km"]) in far_sentence
    # A feature the caller does not pass counts at its training mean: it moves nothing.
    at_means, _sentence = completion_probability(model=model, features={})
    assert at_means == pytest.approx(
        1 / (1 + math.exp(model.platt_a * model.intercept + model.platt_b))
    )


def test_stored_numbers_reproduce_sklearn_calibrated_probabilities():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, len(FEATURES))) * [2, 1, 0.2, 0.2, 0.5, 1, 1, 4] + [
        3,
        0,
        0,
        0,
        0,
        0,
        1,
        9,
    ]
    logit = 1.2 - 0.9 * X[:, 0] + 0.8 * X[:, 4]
    y = (rng.random(150) < 1 / (1 + np.exp(-logit))).astype(np.int64)

    fit = completion_fit(X=X, y=y, seed=0)
    model = completion_model_from_fit(fit=fit)
    stored = np.array(
        [
            completion_probability(model=model, features=dict(zip(FEATURES, row, strict=True)))[0]
            for row in X
        ]
    )

    # The stored numbers are exactly the sklearn chain they came from...
    scores = fit.classifier.decision_function(fit.scaler.transform(X))
    chain = fit.calibrator.predict_proba(scores.reshape(-1, 1))[:, 1]
    np.testing.assert_allclose(stored, chain, atol=1e-9)
    # ...and that chain is sklearn's own sigmoid calibration on the same held-out rows.
    calibrated = CalibratedClassifierCV(
        FrozenEstimator(make_pipeline(fit.scaler, fit.classifier)), method="sigmoid"
    ).fit(X[fit.split.calibration], y[fit.split.calibration])
    np.testing.assert_allclose(stored, calibrated.predict_proba(X)[:, 1], atol=1e-4)
    # The AUC is measured on the test rows only, with the calibrated probabilities.
    assert fit.auc == pytest.approx(roc_auc_score(y[fit.split.test], stored[fit.split.test]))
    assert len(fit.split.train) == 90
    assert len(fit.split.calibration) == 30
    assert len(fit.split.test) == 30
    assert not set(fit.split.test) & (set(fit.split.train) | set(fit.split.calibration))
    assert model.training_size == 120
    assert model.test_size == 30
