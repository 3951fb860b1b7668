import pytest

from parapheur.settings import DEFAULT_DATABASE_URL, from_environment


def test_defaults_to_the_embedded_sqlite_database():
    assert from_environment({}).database_url == DEFAULT_DATABASE_URL


def test_reads_parapheur_variables():
    settings = from_environment(
        {"PARAPHEUR_DATABASE_URL": "postgresql://u@h/db", "PARAPHEUR_TOKEN_LIFETIME_HOURS": "2"}
    )
    assert (settings.database_url, settings.token_lifetime_hours) == ("postgresql://u@h/db", 2)


def test_a_bad_number_names_the_variable():
    with pytest.raises(ValueError, match="PARAPHEUR_MAX_BODY_BYTES must be an integer, got 'lots'"):
        from_environment({"PARAPHEUR_MAX_BODY_BYTES": "lots"})
