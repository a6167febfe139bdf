"""The static site: JSON API, OpenAPI document and dashboard, built from git."""
