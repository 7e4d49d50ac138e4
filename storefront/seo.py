"""schema.org structured data for product and factory pages (serialised by `text.json_for_script`)."""

from __future__ import annotations

from typing import Any

from catalog.models import ReferenceKind
from catalog.money import money

from .feeds import absolute
from .text import plain_text
from .views import FactoryView, ProductView

IN_STOCK = "https://schema.org/InStock"
OUT_OF_STOCK = "https://schema.org/OutOfStock"


def product_ld(view: ProductView, siteurl: str) -> dict[str, Any]:
    """A schema.org Product with its Offer at the catalog's price."""
    p = view.product
    url = absolute(siteurl, view.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": f"{url}#product",
        "sku": view.id,
        "name": p.title,
        "url": url,
        "image": [absolute(siteurl, f"images/{image.src}") for image in p.images],
        "category": view.category.zh,
        "brand": {"@type": "Brand", "name": view.factory.factory.name},
        "manufacturer": {"@type": "Organization", "name": view.factory.factory.name, "url": absolute(siteurl, view.factory.url)},
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": money(p.price),
            "priceCurrency": "CNY",
            "availability": IN_STOCK if view.in_stock else OUT_OF_STOCK,
            "eligibleQuantity": {"@type": "QuantitativeValue", "minValue": p.moq, "unitCode": "C62"},
        },
    }
    if description := plain_text(p.description, 300):
        data["description"] = description
    _headline(data, view)
    return data


def _headline(data: dict[str, Any], view: ProductView) -> None:
    """The one comparison every surface shows (catalog/derive.py `headline`), labelled by its kind: our own
    earlier price is the offer's strikethrough price; another seller's price is a similar product it sells."""
    best = view.card_saving
    c = best.comparison
    price: dict[str, Any] = {
        "@type": "UnitPriceSpecification",
        "name": best.price_label,
        "price": money(c.price),
        "priceCurrency": "CNY",
        "validFrom": c.observed_on.isoformat(),
        "referenceQuantity": {"@type": "QuantitativeValue", "value": str(c.unit.quantity.normalize()), "unitText": c.unit.measure.label},
    }
    if c.kind is ReferenceKind.OWN_EARLIER:
        data["offers"]["priceSpecification"] = {**price, "priceType": "https://schema.org/StrikethroughPrice"}
        return
    if c.kind is ReferenceKind.MSRP:
        price["priceType"] = "https://schema.org/MSRP"
    offer: dict[str, Any] = {
        "@type": "Offer",
        "price": money(c.price),
        "priceCurrency": "CNY",
        "priceSpecification": price,
        "seller": {"@type": "Organization", "name": best.retailer.name},
    }
    data["isSimilarTo"] = {"@type": "Product", "name": c.name, "offers": offer}


def factory_ld(view: FactoryView, siteurl: str) -> dict[str, Any]:
    """A schema.org Organization for a factory."""
    f = view.factory
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": f"{absolute(siteurl, view.url)}#organization",
        "name": f.name,
        "url": absolute(siteurl, view.url),
        "address": {"@type": "PostalAddress", "addressRegion": f.region, "addressCountry": "CN"},
    }
    if f.founded:
        data["foundingDate"] = str(f.founded)
    if description := plain_text(f.description, 300):
        data["description"] = description
    if f.images:
        data["image"] = absolute(siteurl, f"images/{f.images[0].src}")
    return data
