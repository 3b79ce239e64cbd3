import pytest

from baas.collections.fields import TextField


def at_least(threshold):
    return {
        "code": "validation_min_greater_equal_than_required",
        "message": f"Must be no less than {threshold}.",
        "params": {"threshold": threshold},
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"min": 10, "max": 0}, {}),  # zero max is the default limit, not a bound below min
        ({"min": 10, "max": 5}, {"max": at_least(10)}),
        ({"min": -1}, {"min": at_least(0)}),
        ({"max": -1}, {"max": at_least(0)}),
        (
            {"max": 2**53},
            {
                "max": {
                    "code": "validation_max_less_equal_than_required",
                    "message": "Must be no greater than 9007199254740991.",
                    "params": {"threshold": 2**53 - 1},
                }
            },
        ),
    ],
)
def test_length_settings(options, expected, context, rendered):
    assert rendered(TextField.from_json({"name": "t", **options}).check_settings(context)) == expected
