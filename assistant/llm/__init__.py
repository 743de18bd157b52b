"""The shopping agent: a model behind one method, high-level tools over the Trip, and the loop."""
