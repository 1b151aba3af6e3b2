"""The admin speaks Puente's Spanish: no masculine article before a feminine model."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from accounts.models import User
from directory.models import Taxonomy, TaxonomyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def term() -> TaxonomyTerm:
    taxonomy = Taxonomy.objects.create(name="Necesidades")
    return TaxonomyTerm.objects.create(taxonomy=taxonomy, code="psico", name="Atención psicológica")


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("raiz", password="clave-de-prueba-larga-123"))
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_saving_a_category_says_so_without_a_masculine_article(admin_client, term):
    response = admin_client.post(
        f"/admin/directory/taxonomyterm/{term.pk}/change/",
        {
            "taxonomy": term.taxonomy_id,
            "code": term.code,
            "name": "Atención psicológica infantil",
            "description": "",
            "parent": "",
            "language": "es",
            "_continue": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (message,) = _messages(response)
    assert message.startswith("Se guardaron los cambios: categoría “<a href=")
    assert message.endswith(
        "Atención psicológica infantil</a>”. Puede seguir editando a continuación."
    )


def test_deleting_a_category_says_so_without_a_masculine_article(admin_client, term):
    response = admin_client.post(
        f"/admin/directory/taxonomyterm/{term.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert _messages(response) == ["Se eliminó correctamente: categoría “Atención psicológica”."]
    assert not TaxonomyTerm.objects.filter(pk=term.pk).exists()
