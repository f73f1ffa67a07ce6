// Command worker runs Bellhop's Temporal workers: the reservation workflows
// and the activities that send their mails. It migrates the database on
// start and stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bellhop/bellhop/internal/config"
	"github.com/bellhop/bellhop/internal/service"
)

func main() {
	var cfg config.Worker
	if err := config.Load("worker", &cfg, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	logger, err := cfg.Logging.Logger()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := service.Run(ctx, cfg, logger); err != nil {
		logger.Error("Worker failed", "error", err)
		os.Exit(1)
	}
}
