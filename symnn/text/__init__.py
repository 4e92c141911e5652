"""The text stage: reading text safely (a whitelist over Python's ast, SymPy's LaTeX parser), Python activations."""
