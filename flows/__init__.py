"""Prefect flows of dyadflow: thin orchestration over dyadflow's library steps."""
