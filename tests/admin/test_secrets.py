"""Organisation administrators never read the platform API key in clear in /admin/."""

import json

import pytest

from admin.secrets import MASK, masked
from models.tables import Organisation
from tests.admin.test_site import login
from tests.admin.test_tenancy import beta  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("demo")
KEY = "sk-live-0123456789abcdef"


def test_masking_reaches_json_text_and_nested_values():
    config = {"kind": "http", "url": "https://pdp.example", "api_key": KEY}
    assert masked({"rows": [{"einvoicing_platform": json.dumps(config)}]}) == {
        "rows": [{"einvoicing_platform": json.dumps({**config, "api_key": MASK})}]}
    assert masked({"einvoicing_platform": {"kind": "directory", "path": "/x"}}) == {
        "einvoicing_platform": {"kind": "directory", "path": "/x"}}


async def test_an_organisation_administrator_sees_the_api_key_masked(api, beta):  # noqa: F811
    config = {"kind": "http", "url": "https://pdp.example", "api_key": KEY}
    await Organisation.update({Organisation.einvoicing_platform: config}).where(Organisation.id == beta["id"])
    assert (await login(api.http, "bart", "beta-secret-1")).status_code == 200
    for path in ("/admin/api/tables/organisation/", f"/admin/api/tables/organisation/{beta['id']}/"):
        response = await api.http.get(path)
        assert response.status_code == 200, response.text
        assert KEY not in response.text
        assert "pdp.example" in response.text and "write-only" in response.text
