"""The HTTP face: routers, schemas, auth, problem+json errors."""
