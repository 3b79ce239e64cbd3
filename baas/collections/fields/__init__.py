"""Field types: one module per type, each registered in ``FIELD_TYPES`` under its wire name.

Importing this package registers every built-in type; an extension registers its own with
``@register`` the same way.
"""

from baas.collections.fields.autodate import AutodateField
from baas.collections.fields.base import Field, InvalidOptionsError, SettingsContext
from baas.collections.fields.bool import BoolField
from baas.collections.fields.date import DateField
from baas.collections.fields.editor import EditorField
from baas.collections.fields.email import EmailField
from baas.collections.fields.file import FileField
from baas.collections.fields.geopoint import GeoPointField
from baas.collections.fields.json import JSONField
from baas.collections.fields.number import NumberField
from baas.collections.fields.password import PasswordField
from baas.collections.fields.registry import FIELD_TYPES, UnknownFieldTypeError, field_from_json, register
from baas.collections.fields.relation import RelationField
from baas.collections.fields.select import SelectField
from baas.collections.fields.text import TextField
from baas.collections.fields.url import URLField

__all__ = [
    "FIELD_TYPES",
    "AutodateField",
    "BoolField",
    "DateField",
    "EditorField",
    "EmailField",
    "Field",
    "FileField",
    "GeoPointField",
    "InvalidOptionsError",
    "JSONField",
    "NumberField",
    "PasswordField",
    "RelationField",
    "SelectField",
    "SettingsContext",
    "TextField",
    "URLField",
    "UnknownFieldTypeError",
    "field_from_json",
    "register",
]
