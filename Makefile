# The commands README.rst documents. scripts/stack.sh does the work.
.PHONY: up test down status

up:  ## install what is missing, start the portal with the demo election
	@scripts/stack.sh up

test:  ## start the services and run the whole test suite (pytest)
	@scripts/stack.sh test $(PYTEST_ARGS)

down:  ## stop everything `make up` or `make test` started
	@scripts/stack.sh down

status:
	@scripts/stack.sh status
