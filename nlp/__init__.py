"""What a post means: segmentation, school matching, sentiment, rumour risk, incident type, events.

Pure functions and small classes over ``core`` types; nothing here touches a store, reads a setting or
imports the console. Layers, each importing only those below it (import-linter checks it, and that there are
no circles):

- ``scenario_eval``: figures of the pipeline on the drill scenarios' ground truth;
- ``training``: labelled data, the classical and transformer fits, figures, ``train_model``; pre-training the
  encoder (``corpus``, ``pretrain``), distant labels, the ONNX export (torch only here, the ``train`` extra);
- ``pipeline``: ``Pipeline`` (``core.monitoring.Analyser``) and its ``ClusterBook`` (``EventBook``);
- the analysers ``events``, ``incident``, ``rumour``, ``schools``, ``segment``, ``sentiment``;
- ``classifiers``: inference behind one ``TextClassifier`` interface, ``load_classifier`` (transformer models on
  onnxruntime, without torch);
- ``models`` (model folders: manifests, and the shipped models as data) and ``text`` (clean-up).
"""
