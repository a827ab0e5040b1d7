from sqlalchemy import func, select

from talent.reference.models import Country
from talent.reference.operations import load_countries


def _country(db, code):
    return db.session.get(Country, code)


def test_every_iso_country_is_loaded_with_a_region(db):
    import pycountry

    assert db.session.scalar(select(func.count()).select_from(Country)) == len(pycountry.countries)
    kenya = _country(db, "KE")
    assert (kenya.name, kenya.region, kenya.subregion) == ("Kenya", "Africa", "Sub-Saharan Africa")
    assert _country(db, "BR").region == "Americas"
    assert _country(db, "FJ").region == "Oceania"
    regions = set(db.session.scalars(select(Country.region).distinct()))
    assert regions == {"Africa", "Americas", "Asia", "Europe", "Oceania", ""}  # "" is Antarctica


def test_global_south_is_the_group_of_77_and_china(db):
    south = {"CN", "KE", "EG", "BR", "ID", "PK", "ET", "TH", "PS", "AZ", "BA", "ZW", "AF", "CL", "SG"}
    north = {"FR", "DE", "JP", "US", "KR", "RU", "MX", "TR", "PW", "TV", "NZ", "IL", "KZ", "HK", "TW"}
    for code in south:
        assert _country(db, code).is_global_south, code
    for code in north:
        assert not _country(db, code).is_global_south, code
    members = db.session.scalar(select(func.count()).select_from(Country).where(Country.is_global_south))
    assert members == 134 + 1  # the 134 members, and China


def test_loading_again_changes_nothing(db):
    assert load_countries() == 0


def test_loading_restores_a_changed_country_and_a_missing_one(db):
    kenya = _country(db, "KE")
    kenya.name, kenya.is_global_south = "Somewhere else", False
    db.session.delete(_country(db, "AQ"))
    db.session.flush()

    assert load_countries() == 2
    assert (kenya.name, kenya.is_global_south) == ("Kenya", True)
    assert _country(db, "AQ").name == "Antarctica"
    assert load_countries() == 0
