import symdiff as sd


def test_syntax_error_names_place():
    err = sd.SymdiffSyntaxError("unsupported while loop: use for i in range(n)",
                                filename="f.py", lineno=3, col=4, text="    while x:\n",
                                construct="while loop")
    assert isinstance(err, SyntaxError)
    assert (err.filename, err.lineno, err.offset) == ("f.py", 3, 5)
    assert str(err).startswith("f.py:3:5: unsupported while loop")
