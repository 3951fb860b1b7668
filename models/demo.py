"""The demo organisation: the purchase-request circuit with its cast (password `demo`).

Demo only: these accounts have a known password. Resetting archives the previous demo
organisation (history is immutable, so nothing is deleted) and builds a fresh one.
"""

from datetime import UTC, datetime
from pathlib import Path

from piccolo.apps.user.tables import BaseUser

from models.catalogs import ensure_catalog, put_entry
from models.database import write_transaction
from models.tables import ApiToken, Membership, Organisation, Partner, Role, RoleAssignment
from models.templates import install_template

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo"

ROLES = {
    "requester": "Requester",
    "service_manager": "Service manager",
    "daf": "CFO (DAF)",
    "dg": "CEO (DG)",
    "accounting": "Accounting",
    "admin": "Administrator",
}

# username: (display name, [(role, scope)], organisation admin)
PEOPLE: dict[str, tuple[str, list[tuple[str, dict[str, str] | None]], bool]] = {
    "alice": ("Alice Martin", [("requester", {"department": "IT"})], False),
    "bob": ("Bob Durand", [("service_manager", {"department": "IT"})], False),
    "paula": ("Paula Petit", [("service_manager", {"department": "OPS"})], False),
    "carol": ("Carol Bernard", [("daf", None)], False),
    "dave": ("Dave Moreau", [("dg", None)], False),
    "erin": ("Erin Laurent", [("accounting", None)], False),
    "admin": ("Administrator", [("admin", None)], True),
}

CATALOGS: dict[str, tuple[str, list[tuple[str, str, dict[str, str]]]]] = {
    "departments": (
        "Departments",
        [("IT", "Information technology", {}), ("OPS", "Operations", {}), ("FIN", "Finance", {})],
    ),
    "suppliers": (
        "Suppliers",
        [
            ("ACME", "ACME Fournitures SAS", {"name": "ACME Fournitures SAS", "siren": "732829320",
                                              "email": "orders@acme.example"}),
            ("BUROTIC", "Burotic SARL", {"name": "Burotic SARL", "siren": "552100554",
                                         "email": "commandes@burotic.example"}),
        ],
    ),
    "analytic_codes": (
        "Analytic codes",
        [("IT-HW", "IT hardware", {}), ("IT-SW", "IT software", {}), ("OPS-GEN", "Operations, general", {})],
    ),
    "customers": (
        "Customers",
        [
            ("LEA", "Boulangerie Léa & Fils", {
                "name": "Boulangerie Léa & Fils", "siren": "552100554", "vat_number": "FR12552100554",
                "email": "compta@boulangerie-lea.example",
                "address": {"street": "2 avenue Foch", "city": "Lyon", "postal_code": "69006", "country": "FR"},
            }),
        ],
    ),
}

LEGAL = {
    "vat_number": "FR39552081317",
    "email": "comptabilite@demo-industries.example",
    "address": {"street": "10 rue du Faubourg", "city": "Paris", "postal_code": "75010", "country": "FR"},
}

TEMPLATES = ("purchase_request", "purchase_order", "customer_invoice")


async def _user(username: str) -> int:
    """The demo user, created with the demo password (shorter than piccolo's minimum, so the
    hash is computed here rather than through create_user's validation)."""
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    password = BaseUser.hash_password(DEMO_PASSWORD)
    if row:
        await BaseUser.update(
            {BaseUser.password: password, BaseUser.active: True, BaseUser.admin: username == "admin",
             BaseUser.superuser: username == "admin"}
        ).where(BaseUser.id == row["id"])
        return row["id"]
    user = BaseUser(username=username, password=password, email=f"{username}@demo.example", active=True,
                    admin=username == "admin", superuser=username == "admin")
    await user.save()
    return user.id


async def _archive_previous() -> None:
    old = await Organisation.select(Organisation.id).where(Organisation.slug == DEMO_SLUG).first()
    if old is None:
        return
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    await Organisation.update({Organisation.slug: f"demo-archived-{stamp}"}).where(Organisation.id == old["id"])
    await RoleAssignment.delete().where(RoleAssignment.organisation == old["id"])
    await Membership.delete().where(Membership.organisation == old["id"])
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.organisation == old["id"])


async def demo_exists() -> bool:
    return await Organisation.exists().where(Organisation.slug == DEMO_SLUG)


async def load_demo(templates_dir: Path) -> int:
    """Create (or reset) the demo organisation; returns its id."""
    async with write_transaction():
        await _archive_previous()
        organisation = Organisation(slug=DEMO_SLUG, name="Démo Industries SA", siren="552081317", legal=LEGAL)
        await organisation.save()
        org = organisation.id
        roles = {}
        for key, label in ROLES.items():
            role = Role(organisation=org, key=key, label=label)
            await role.save()
            roles[key] = role.id
        for username, (display_name, grants, is_admin) in PEOPLE.items():
            user_id = await _user(username)
            await Membership.insert(
                Membership(organisation=org, user=user_id, display_name=display_name, is_admin=is_admin)
            )
            for role, scope in grants:
                await RoleAssignment.insert(
                    RoleAssignment(organisation=org, user=user_id, role=roles[role], scope=scope)
                )
        for key, (label, entries) in CATALOGS.items():
            catalog_id = await ensure_catalog(org, key, label)
            for code, entry_label, extra in entries:
                await put_entry(org, catalog_id, code, entry_label, extra)
        for code, _, extra in CATALOGS["suppliers"][1]:
            await Partner.insert(
                Partner(organisation=org, kind="supplier", code=code, name=extra["name"], siren=extra["siren"],
                        email=extra["email"])
            )
    admin_id = (await BaseUser.select(BaseUser.id).where(BaseUser.username == "admin").first())["id"]
    for template in TEMPLATES:
        await install_template(org, templates_dir / template, published_by=admin_id)
    return org
