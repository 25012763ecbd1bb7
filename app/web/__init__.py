"""The Starlette application: public tracking pages, the REST API and the demo's helper pages."""
