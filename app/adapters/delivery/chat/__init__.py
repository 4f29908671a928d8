"""Chat robot messages: templates per locale, the platforms' bodies and signatures, pacing."""
