"""Importing the storefront (and so Pelican) must not change how the rest of the process logs."""

import logging
import uuid

import storefront  # noqa: F401 - the import is what is tested


def test_identical_messages_of_other_loggers_are_all_kept(caplog):
    logger = logging.getLogger(f"plus.test.{uuid.uuid4().hex}")
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("mail to someone@example.com")
        logger.info("mail to someone@example.com")
    assert [r.getMessage() for r in caplog.records].count("mail to someone@example.com") == 2
    assert type(logger) is logging.Logger
