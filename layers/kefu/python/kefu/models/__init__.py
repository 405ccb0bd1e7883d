"""Pydantic models at the project's boundaries."""
