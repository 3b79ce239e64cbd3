"""HTTP plumbing shared by every capability's routes: JSON bodies, errors, auth, app services."""
