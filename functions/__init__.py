"""Azure-bound entry points: parse → authorize → call a service → respond. Thin by rule."""
