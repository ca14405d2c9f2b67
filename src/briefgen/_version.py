"""briefgen's version, alone in its module so that any module can import it.

Importing it from the package root (``from briefgen import __version__``) would
run ``briefgen/__init__.py``, which imports the whole pipeline: a module inside
that pipeline would import its own importer.
"""

__version__ = "0.1.0"
