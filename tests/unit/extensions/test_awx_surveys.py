"""The AWX survey specs in extensions/awx/surveys/, checked by the rules AWX itself applies.

Two places in AWX judge a survey spec, and both are mirrored below with AWX's own messages, so a
spec AWX would refuse fails here with the words AWX would answer:

- saving it (``POST /api/v2/job_templates/<id>/survey_spec/``):
  ``JobTemplateSurveySpec._validate_spec_data`` in ansible/awx ``awx/api/views/__init__.py``.
  ``name``, ``description`` (strings) and ``spec`` (a non-empty list); in every question
  ``type``, ``question_name`` and ``variable`` (strings) and ``required`` (a boolean); each
  ``variable`` once; ``type`` one of ``ALLOWED_TYPES`` (text, textarea, password, multiplechoice,
  multiselect, integer, float); a ``default`` other than ``""`` of the type's Python type; ``min``
  and ``max``, when present, ``None`` or an **integer, for every question type** ("The min limit in
  survey question 4 expected to be integer." is what AWX answered to ``"min": 0.5`` on a float
  question); a multiplechoice or multiselect question has ``choices`` (a string is one choice per
  line) and its default is among them (one default at most for multiplechoice); ``$encrypted$``
  defaults only on password questions.
- launching (``SurveyJobTemplateMixin._update_unified_job_kwargs`` in ansible/awx
  ``awx/main/models/mixins.py``): a question's default is used only when it passes
  ``_survey_element_validation``, the check every answer gets (a text's length within
  ``min``/``max``, an integer's or float's value within them, a choice among the choices).
  A default that fails it is dropped without a word, so the job runs without it.

AWX's float default type: the older ``ALLOWED_TYPES`` maps float to ``float`` only, the newer
``SURVEY_TYPE_MAPPING`` (ansible/awx ``awx/main/constants.py``) to ``(float, int)``; a float
question's default here is a JSON float, which both accept.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

SURVEYS = Path(__file__).resolve().parents[3] / "extensions" / "awx" / "surveys"

# JobTemplateSurveySpec.ALLOWED_TYPES (older AWX: float is float only; see the module docstring)
ALLOWED_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                 "integer": int, "float": float}


def choice_list(question):
    """The choices as _survey_element_validation reads them: a list, or one per non-blank line."""
    choices = question["choices"]
    if isinstance(choices, str):
        return [choice for choice in choices.splitlines() if choice.strip() != ""]
    return list(choices)


def save_errors(survey):
    """What _validate_spec_data refuses in ``survey``, with AWX's messages (AWX answers the first)."""
    errors = []
    for field, expect_type, type_label in (("name", str, "string"), ("description", str, "string"),
                                           ("spec", list, "list of items")):
        if field not in survey:
            errors.append("Field '%s' is missing from survey spec." % field)
        elif not isinstance(survey[field], expect_type):
            received = type(survey[field]).__name__
            errors.append("Expected %s for field '%s', received %s type." % (type_label, field, received))
    if isinstance(survey.get("spec"), list) and len(survey["spec"]) < 1:
        errors.append("'spec' doesn't contain any items.")
    if errors:
        return errors
    variables = set()
    for idx, item in enumerate(survey["spec"]):
        if not isinstance(item, dict):
            errors.append("Survey question %s is not a json object." % idx)
            continue
        missing = False
        for field_name in ("type", "question_name", "variable", "required"):
            if field_name not in item:
                errors.append("'%s' missing from survey question %s" % (field_name, idx))
                missing = True
                continue
            allow_type, type_label = (bool, "boolean") if field_name == "required" else (str, "string")
            if not isinstance(item[field_name], allow_type):
                errors.append("'%s' in survey question %s expected to be %s." % (field_name, idx, type_label))
                missing = True
        if missing:
            continue
        if item["variable"] in variables:
            errors.append("'variable' '%s' duplicated in survey question %s." % (item["variable"], idx))
        variables.add(item["variable"])
        qtype = item["type"]
        if qtype not in ALLOWED_TYPES:
            errors.append("'%s' in survey question %s is not one of '%s' allowed question types."
                          % (qtype, idx, ", ".join(ALLOWED_TYPES)))
            continue
        if "default" in item and item["default"] != "" and not isinstance(item["default"], ALLOWED_TYPES[qtype]):
            errors.append("Default value %s in survey question %s expected to be %s."
                          % (item["default"], idx, qtype if qtype in ("integer", "float") else "string"))
        for key in ("min", "max"):
            if key in item and item[key] is not None and not isinstance(item[key], int):
                errors.append("The %s limit in survey question %s expected to be integer." % (key, idx))
        if qtype in ("multiselect", "multiplechoice"):
            if "choices" not in item:
                errors.append("Survey question %s of type %s must specify choices." % (idx, qtype))
                continue
            if "default" in item:
                defaults = item["default"]
                if isinstance(defaults, str):
                    defaults = [choice for choice in defaults.splitlines() if choice.strip() != ""]
                if qtype == "multiplechoice" and len(defaults) > 1:
                    errors.append("Multiple Choice (Single Select) can only have one default value.")
                if any(choice not in item["choices"] for choice in defaults):
                    errors.append("Default choice must be answered from the choices listed.")
        if isinstance(item.get("default"), str) and item["default"].startswith("$encrypted$") and qtype != "password":
            errors.append("$encrypted$ is a reserved keyword for password question defaults, "
                          "survey question %s is type %s." % (idx, qtype))
    return errors


def launch_errors(question, data):
    """_survey_element_validation(question, data): what AWX says of an answer (or a default)."""
    variable, qtype = question["variable"], question["type"]
    if variable not in data:
        return ["'%s' value missing" % variable] if question["required"] else []
    value = data[variable]

    def limit(key):
        return question.get(key) not in ("", None)

    errors = []
    if qtype in ("textarea", "text", "password"):
        if not isinstance(value, str):
            return ["Value %s for '%s' expected to be a string." % (value, variable)]
        if limit("min") and len(value) < int(question["min"]):
            errors.append("'%s' value %s is too small (length is %s must be at least %s)."
                          % (variable, value, len(value), question["min"]))
        if limit("max") and len(value) > int(question["max"]):
            errors.append("'%s' value %s is too large (must be no more than %s)." % (variable, value, question["max"]))
    elif qtype in ("integer", "float"):
        # AWX checks type(), so a boolean (an int subclass in Python) is neither
        if isinstance(value, bool) or not isinstance(value, int if qtype == "integer" else (float, int)):
            return ["Value %s for '%s' expected to be %s." % (value, variable,
                                                              "an integer" if qtype == "integer" else "a numeric type")]
        cast = int if qtype == "integer" else float
        if limit("min") and value < cast(question["min"]):
            errors.append("'%s' value %s is too small (must be at least %s)." % (variable, value, question["min"]))
        if limit("max") and value > cast(question["max"]):
            errors.append("'%s' value %s is too large (must be no more than %s)." % (variable, value, question["max"]))
    elif qtype == "multiselect":
        if not isinstance(value, list):
            return ["'%s' value is expected to be a list." % variable]
        errors.extend("Value %s for '%s' expected to be one of %s." % (v, variable, choice_list(question))
                      for v in value if v not in choice_list(question))
    elif qtype == "multiplechoice" and value not in choice_list(question):
        errors.append("Value %s for '%s' expected to be one of %s." % (value, variable, choice_list(question)))
    return errors


def default_errors(survey):
    """Defaults AWX would drop at launch (_update_unified_job_kwargs keeps only those that pass).

    A required question's blank default is AWX's "no default" (the survey form starts empty and
    the question must be answered), so dropping it changes nothing."""
    errors = []
    for idx, question in enumerate(survey["spec"]):
        if question.get("default") is None or (question["default"] == "" and question["required"]):
            continue
        for error in launch_errors(question, {question["variable"]: question["default"]}):
            errors.append("survey question %s: default dropped at launch: %s" % (idx, error))
    return errors


def load(path):
    return json.loads(path.read_text())


SPECS = sorted(SURVEYS.glob("*.json"))


def test_there_are_survey_specs():
    assert [p.name for p in SPECS] == ["action_report.json", "fleet_rollout.json", "rollout.json", "wait_for_action.json"]


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_awx_saves_the_survey_spec(path):
    assert save_errors(load(path)) == []


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_awx_keeps_every_default_at_launch(path):
    assert default_errors(load(path)) == []


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_every_limit_is_an_integer_and_min_is_not_above_max(path):
    """min and max are integers for every question type that has them (AWX refuses the save
    otherwise), and a range that no answer can satisfy is a mistake AWX would not catch."""
    for question in load(path)["spec"]:
        for key in ("min", "max"):
            if key in question:
                assert isinstance(question[key], int) and not isinstance(question[key], bool), (
                    path.name, question["variable"], key)
        if "min" in question and "max" in question:
            assert question["min"] <= question["max"], (path.name, question["variable"])
        if question["type"] in ("integer", "float", "text", "textarea", "password"):
            assert "min" in question and "max" in question, (path.name, question["variable"])


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_choices_are_one_per_line_without_blanks_and_defaults_are_choices(path):
    """AWX's own UI writes choices as one string, one per line; AWX strips blank lines on save,
    so a blank one here would make the stored spec differ from the file."""
    for question in load(path)["spec"]:
        if question["type"] in ("multiplechoice", "multiselect"):
            assert isinstance(question["choices"], str), question["variable"]
            choices = question["choices"].split("\n")
            assert choices == choice_list(question) and len(set(choices)) == len(choices), question["variable"]
            assert question.get("default", "") in choices, question["variable"]
        else:
            assert "choices" not in question, question["variable"]


# --- the checker refuses what AWX refuses ----------------------------------------------------------

def wait_for_action_as_shipped_in_0_1_0():
    """wait_for_action.json as 0.1.0 shipped it, which AWX refused: a float question with "min": 0.5."""
    survey = load(SURVEYS / "wait_for_action.json")
    interval = next(q for q in survey["spec"] if q["variable"] == "wait_interval")
    interval.update(min=0.5, max=3600, default=5)
    return survey


def test_the_0_1_0_wait_for_action_survey_is_refused_with_awx_words():
    survey = wait_for_action_as_shipped_in_0_1_0()
    assert [q["variable"] for q in survey["spec"]].index("wait_interval") == 4
    assert "The min limit in survey question 4 expected to be integer." in save_errors(survey)


BASE = {"name": "n", "description": "d", "spec": [
    {"question_name": "q", "required": False, "type": "integer", "variable": "count", "min": 1, "max": 10,
     "default": 3},
    {"question_name": "c", "required": True, "type": "multiplechoice", "variable": "pick", "choices": "a\nb",
     "default": "a"}]}


def mutated(change):
    survey = copy.deepcopy(BASE)
    change(survey)
    return survey


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("description"), "Field 'description' is missing from survey spec."),
    (lambda s: s.update(spec=[]), "'spec' doesn't contain any items."),
    (lambda s: s["spec"][0].pop("variable"), "'variable' missing from survey question 0"),
    (lambda s: s["spec"][0].update(required="false"), "'required' in survey question 0 expected to be boolean."),
    (lambda s: s["spec"][1].update(variable="count"), "'variable' 'count' duplicated in survey question 1."),
    (lambda s: s["spec"][0].update(type="number"),
     "'number' in survey question 0 is not one of 'text, textarea, password, multiplechoice, multiselect, integer, "
     "float' allowed question types."),
    (lambda s: s["spec"][0].update(default="3"), "Default value 3 in survey question 0 expected to be integer."),
    (lambda s: s["spec"][0].update(type="float", default=3), "Default value 3 in survey question 0 expected to be float."),
    (lambda s: s["spec"][0].update(max=10.0), "The max limit in survey question 0 expected to be integer."),
    (lambda s: s["spec"][0].update(type="text", default="x", min="1"),
     "The min limit in survey question 0 expected to be integer."),
    (lambda s: s["spec"][1].pop("choices"), "Survey question 1 of type multiplechoice must specify choices."),
    (lambda s: s["spec"][1].update(default="a\nb"), "Multiple Choice (Single Select) can only have one default value."),
    (lambda s: s["spec"][1].update(default="c"), "Default choice must be answered from the choices listed."),
    (lambda s: s["spec"][0].update(type="text", default="$encrypted$", min=0),
     "$encrypted$ is a reserved keyword for password question defaults, survey question 0 is type text."),
])
def test_the_checker_refuses_what_awx_refuses_on_save(change, message):
    assert save_errors(BASE) == [] and default_errors(BASE) == []
    assert message in save_errors(mutated(change))


@pytest.mark.parametrize("change, message", [
    (lambda s: s["spec"][0].update(default=11), "'count' value 11 is too large (must be no more than 10)."),
    (lambda s: s["spec"][0].update(type="float", default=0.5), "'count' value 0.5 is too small (must be at least 1)."),
    (lambda s: s["spec"][0].update(type="text", default="", min=1, max=8),
     "'count' value  is too small (length is 0 must be at least 1)."),
    (lambda s: s["spec"][0].update(type="textarea", default="123456789", min=0, max=8),
     "'count' value 123456789 is too large (must be no more than 8)."),
])
def test_the_checker_finds_defaults_awx_drops_at_launch(change, message):
    survey = mutated(change)
    assert save_errors(survey) == []
    assert any(error.endswith(message) for error in default_errors(survey)), default_errors(survey)


def test_a_required_question_s_blank_default_is_no_default():
    survey = mutated(lambda s: s["spec"][0].update(type="textarea", required=True, default="", min=1, max=8))
    assert save_errors(survey) == [] and default_errors(survey) == []
    assert launch_errors(survey["spec"][0], {}) == ["'count' value missing"]
