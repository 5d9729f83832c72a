//! makemigrations: names, flags, --check, --dry-run, --empty, questions.
