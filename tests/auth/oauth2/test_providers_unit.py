def test_collection_validation_knows_every_provider() -> None:
    from baas.auth.oauth2.providers import PROVIDERS
    from baas.collections.auth_options import OAUTH2_PROVIDER_NAMES

    assert set(PROVIDERS) == OAUTH2_PROVIDER_NAMES
