# The commands README.rst documents. The scripts do the work:
#   scripts/install.sh   what the project needs (Debian, pip, npm, Maven)
#   scripts/services.sh  the services, under supervisord
#   scripts/site.sh      CKAN's databases, configuration, admin and demo
#   scripts/test.sh      ruff, then pytest
# CKAN=2.12 uses CKAN 2.12 (its own virtualenv); WEB=2 runs two web processes.
CKAN ?= 2.11
WEB ?= 1
export CKAN WEB

.PHONY: up test down status logs

up:  ## install what is missing, start the portal with the demo election
	@scripts/install.sh
	@scripts/services.sh start base
	@scripts/site.sh portal
	@scripts/services.sh start portal
	@scripts/site.sh demo
	@scripts/site.sh login

test:  ## start the services and run the whole test suite
	@scripts/install.sh
	@scripts/services.sh start base
	@scripts/site.sh test
	@scripts/test.sh $(PYTEST_ARGS)

down:  ## stop everything `make up` or `make test` started
	@scripts/services.sh stop

status:  ## what runs
	@scripts/services.sh status

logs:  ## follow a program's log: make logs NAME=worker
	@scripts/services.sh logs $(NAME)
