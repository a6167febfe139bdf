"""What `gitinv init` writes into an inventory repository, and how it keeps it current.

Three kinds of file:
- the inventory (`inventory/`): written once by `init`, the team's from then on;
- managed files (CI, pre-commit, editor settings), written from the templates in
  `files/`; `.gitinv/managed.json` records what was written, so that `init --update`
  can tell a file the team edited by hand from one an older version wrote;
- generated files (`schema/`, CODEOWNERS), made from the models and the inventory,
  rewritten as `gitinv schema` and `gitinv codeowners` rewrite them.

Public API:: `templates` (the files' contents), `manifest` (the record), `plan` (what
init and init --update change), `start` (init's inputs checked, its plan), `report`
(what init says).
"""
