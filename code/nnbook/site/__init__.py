"""The site's machinery: what builds the book, never what a chapter teaches.

``build`` (Jupyter Book per language, landing page, sitemap), ``pretrain`` (the networks the
chapters load, trained before any page runs), ``sphinx`` (the Sphinx extension), ``pages``
(what hidden cells do for the book: glue numbers into the prose), ``notebooks`` (the reader's
notebooks and the wheel published with the site), ``status`` and ``report`` (pages for
translators), ``catalogs`` (extracting and compiling the translations), ``cli`` (the command
line, ``python -m nnbook``). The reader's wheel leaves this package out: it needs Sphinx.
"""
