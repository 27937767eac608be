"""The scenario format: the pydantic model, conditions and levers, injections, and the
importer of static prompts."""
