"""Static analysis of Python integration code with libcst."""
