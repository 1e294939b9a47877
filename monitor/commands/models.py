"""`courtesy model`: speech models installed (verified by sha256) and listed.
"""
from __future__ import annotations

import click

from .common import Group


@click.group(cls=Group)
def model():
    """Speech models: install them (verified by sha256), list them."""


@model.command("install")
@click.argument("name")
@click.option("--from", "source", metavar="PATH_OR_URL",
              help="An archive (.zip, .tar.bz2), a folder or a URL (default: ../shared/models "
                   "when present, else the model's upstream release)")
def model_install(name, source):
    """Install a speech model into models/NAME, verifying its sha256 checksums.

    Example: courtesy model install sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-mobile
    """
    from .. import models

    def progress(done, total):
        if total:
            click.echo(f"\r{done / 1e6:6.1f} / {total / 1e6:.1f} MB", nl=False, err=True)

    chosen = source or models.default_source(name)
    click.echo(f"正在安装 {name}，来源 {chosen}", err=True)
    path = models.install(name, chosen, progress=progress)
    click.echo(f"{name}：已安装并校验通过，位于 {path}")


@model.command("list")
def model_list():
    """Show the known models and where each is installed.

    Example: courtesy model list
    """
    from .. import models

    found = {m.name: m for m in models.installed()}
    for spec in models.KNOWN.values():
        here = found.get(spec.name)
        if here is None:
            state = f"未安装（courtesy model install {spec.name}）"
        elif here.problems:
            state = f"已损坏 BROKEN，位于 {here.path}：{'；'.join(here.problems)}"
        else:
            state = f"已安装，位于 {here.path}"
        click.echo(f"{spec.name:<62} {spec.engine:<7} {state}")


COMMANDS = (model,)
