"""Training and measuring the classifiers: labelled TSV data and its dev split (``data``), the classical and
transformer fits (``classical``, ``transformer``), the figures (``evaluate``) and ``train_model``, which
writes a model folder (``train``).

Training imports inference (``nlp.classifiers``, ``nlp.models``), never the other way round: a process that
only classifies never loads this package.
"""
