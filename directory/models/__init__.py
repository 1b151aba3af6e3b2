"""The communal service offer, aligned with Open Referral HSDS 3.0.

Every record has a UUID so it can be exchanged with other HSDS directories.
Geometries are stored in SRID 4326; sites use ``geography=True`` so distances are metres.

One module per family of records; every name is importable from ``directory.models``.
"""

from directory.models.eligibility import (
    MAX_AGE_YEARS,
    Eligibility,
    EligibilityCandidate,
    EligibilityFailure,
    RiskLevel,
    Sex,
)
from directory.models.organization import (
    Organization,
    OrganizationIdentifier,
    OrganizationSector,
    Taxonomy,
    TaxonomyTerm,
)
from directory.models.population import POPULATION_BANDS, TerritoryPopulation
from directory.models.service import (
    SEARCH_CONFIG,
    AccessRoute,
    ImmutableUnaccent,
    Modality,
    Service,
    ServiceKind,
    ServiceStatus,
)
from directory.models.site import (
    ANY_CATEGORY,
    GeographyToMercator,
    ServiceAtSite,
    ServiceAtSiteCategory,
    Site,
)
from directory.models.synonym import (
    SEARCH_SYNONYMS_CACHE_KEY,
    SearchSynonym,
    search_synonyms_invalidate,
)
from directory.models.territory import (
    LEVEL_DEPTH,
    Territory,
    TerritoryLevel,
)
from directory.models.verification import (
    ListingUpdate,
    ListingUpdateStatus,
    VerificationRequest,
    VerificationSchedule,
)

__all__ = [
    "ANY_CATEGORY",
    "LEVEL_DEPTH",
    "MAX_AGE_YEARS",
    "POPULATION_BANDS",
    "SEARCH_CONFIG",
    "SEARCH_SYNONYMS_CACHE_KEY",
    "AccessRoute",
    "Eligibility",
    "EligibilityCandidate",
    "EligibilityFailure",
    "GeographyToMercator",
    "ImmutableUnaccent",
    "ListingUpdate",
    "ListingUpdateStatus",
    "Modality",
    "Organization",
    "OrganizationIdentifier",
    "OrganizationSector",
    "RiskLevel",
    "SearchSynonym",
    "Service",
    "ServiceAtSite",
    "ServiceAtSiteCategory",
    "ServiceKind",
    "ServiceStatus",
    "Sex",
    "Site",
    "Taxonomy",
    "TaxonomyTerm",
    "Territory",
    "TerritoryLevel",
    "TerritoryPopulation",
    "VerificationRequest",
    "VerificationSchedule",
    "search_synonyms_invalidate",
]
