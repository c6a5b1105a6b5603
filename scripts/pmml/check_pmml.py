#!/usr/bin/env python3
"""Checks a PMML file written by `ciblage export --pmml` with independent PMML tools.

1. Validates it against the PMML 4.4 XML Schema. The schema is the `pmml.xsd` that JPMML ships in
   pmml-model (inside the jpmml-evaluator wheel on PyPI); it is extracted at run time, not committed.
2. Parses it with nyoka's PMML 4.4 bindings (classes generated from the DMG PMML 4.4 XSD).
3. Scores a CSV with the pmml4s engine (pypmml, Java) and compares with `ciblage score` on the same CSV.

    python3 -m venv .venv && .venv/bin/pip install pypmml nyoka pandas lxml
    .venv/bin/python scripts/pmml/check_pmml.py model.pmml dossiers.csv scores.csv
Exit status 0 when the document is valid and the largest absolute difference of probabilities is below 1e-12.
"""
import glob
import os
import subprocess
import sys
import tempfile
import zipfile

import pandas as pd
from lxml import etree
from nyoka import PMML44
from pypmml import Model

pmml_path, data_path, scores_path = sys.argv[1:4]

work = tempfile.mkdtemp()
subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", work, "jpmml-evaluator"], check=True)
wheel = glob.glob(os.path.join(work, "jpmml_evaluator-*.whl"))[0]
xsd = None
with zipfile.ZipFile(wheel) as w:
    for name in w.namelist():
        if name.endswith(".jar") and "pmml-model-" in name and "metro" not in name:
            w.extract(name, work)
            with zipfile.ZipFile(os.path.join(work, name)) as jar:
                xsd = jar.read("pmml.xsd")
schema = etree.XMLSchema(etree.fromstring(xsd))
valid = schema.validate(etree.parse(pmml_path))
print(f"XSD (JPMML pmml-model pmml.xsd, PMML 4.4): {'valid' if valid else 'INVALID'}")
for error in list(schema.error_log)[:5]:
    print("  ", error)
doc = PMML44.parse(pmml_path, silence=True)
regression = doc.RegressionModel[0]
print(f"nyoka: PMML {doc.version}, RegressionModel '{regression.modelName}', normalization {regression.normalizationMethod}, "
      f"{len(regression.RegressionTable[0].NumericPredictor)} numeric and {len(regression.RegressionTable[0].CategoricalPredictor)} categorical predictors")
model = Model.load(pmml_path)
data = pd.read_csv(data_path, dtype=str)
fields = [f.name for f in model.inputFields]
frame = data[fields].copy()
for f in model.inputFields:
    if f.opType == "continuous":
        frame[f.name] = frame[f.name].astype(float)
predicted = model.predict(frame)["probability_1"].to_numpy()
ours = pd.read_csv(scores_path)["score"].to_numpy()
diff = abs(predicted - ours).max()
print(f"pmml4s ({len(ours)} rows): max |PMML probability - ciblage score| = {diff:.3e}")
sys.exit(0 if valid and diff < 1e-12 else 1)
