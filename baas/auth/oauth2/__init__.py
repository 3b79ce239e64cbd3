"""Sign-in with OAuth2/OIDC providers: ``auth-with-oauth2`` (code + PKCE), account linking, providers."""
