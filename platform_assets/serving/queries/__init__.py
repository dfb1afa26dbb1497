"""The read layer: one function per question the API answers, each a SQLAlchemy Core statement over the
marts and the star schema (built from the table specs, identifiers quoted and values bound), returning
typed rows. Every figure is the warehouse's own: a mart's figure is passed through unchanged; a figure
summed here (top products, refunds, lifetime value) is summed exactly and rounded once to the cent, halves
away from zero, as docs/metrics.md rounds the marts' figures."""
