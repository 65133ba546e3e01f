"""How often the machine is wrong, measured on the centre's own traffic (issue #30).

``sampling`` draws straight-through dossiers for a blind QA review; ``qa`` builds the review (key
fields and the face pair, without the machine's values), compares the senior's answers and opens
a correction path on a disagreement; ``measure`` turns QA reviews and people's answers into error
rates with intervals; ``calibrate`` proposes per-field ``min_confidence`` thresholds from them;
``operators`` is each operator's quality, for supervisors.
"""
