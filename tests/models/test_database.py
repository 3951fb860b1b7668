import pytest

from models.database import DatabaseError, engine_for


@pytest.mark.parametrize(
    ("url", "path"),
    [("sqlite:///parapheur.sqlite", "parapheur.sqlite"), ("sqlite:////tmp/x.sqlite", "/tmp/x.sqlite")],
)
def test_sqlite_urls_name_relative_and_absolute_files(url, path):
    assert engine_for(url).path == path


def test_postgres_url_gives_a_postgres_engine():
    engine = engine_for("postgresql://alice:s3cret@db.example:6543/parapheur")
    assert engine.config == {
        "host": "db.example", "port": 6543, "user": "alice", "database": "parapheur", "password": "s3cret"
    }


def test_unknown_scheme_names_the_supported_ones():
    with pytest.raises(DatabaseError, match="use sqlite:///file.sqlite or postgresql://"):
        engine_for("mysql://root@localhost/db")
