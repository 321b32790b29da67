"""A small process app installed only under pytest (``config.settings_test``), on
which the engine's own tests run: two process models that between them use
everything the engine offers, so that the engine is tested without the
processes of the department (samples, proposals, …)."""
