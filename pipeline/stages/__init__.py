"""The pipeline's stages, each gather -> pure function -> apply. Plain Python: no Prefect here."""
