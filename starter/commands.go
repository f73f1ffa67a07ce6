package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/schedule"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/starter/client"
	"github.com/bellhop/bellhop/workflows"
)

func startCommand(ctx context.Context, rc *client.Client, args []string, stdin io.Reader, stdout io.Writer) error {
	if err := needArgs(args, 1, "start FILE"); err != nil {
		return err
	}
	var r workflows.Reservation
	if err := readJSON(args[0], stdin, &r); err != nil {
		return err
	}
	started, err := rc.Start(ctx, r)
	if err != nil {
		return err
	}
	if !started.Created {
		fmt.Fprintf(stdout, "reservation %s already has workflow %s (run %s); nothing started\n", r.ID, started.WorkflowID, started.RunID)
		return nil
	}
	fmt.Fprintf(stdout, "started workflow %s (run %s)\n", started.WorkflowID, started.RunID)
	return nil
}

func signalCommand(ctx context.Context, rc *client.Client, args []string, stdout io.Writer) error {
	if err := needArgs(args, 2, "signal ID SIGNAL [JSON]"); err != nil {
		return err
	}
	payload := json.RawMessage(`{}`)
	if len(args) > 2 {
		if !json.Valid([]byte(args[2])) {
			return usageError{fmt.Sprintf("invalid JSON payload %q", args[2])}
		}
		payload = json.RawMessage(args[2])
	}
	if err := rc.Signal(ctx, args[0], args[1], payload); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signal %s sent to %s\n", args[1], workflows.WorkflowID(args[0]))
	return nil
}

func queryCommand(ctx context.Context, rc *client.Client, args []string, stdout io.Writer) error {
	if err := needArgs(args, 1, "query ID"); err != nil {
		return err
	}
	st, err := rc.Status(ctx, args[0])
	if err != nil {
		return err
	}
	return printJSON(stdout, st)
}

func resendCommand(ctx context.Context, rc *client.Client, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("resend", flag.ContinueOnError)
	to := fs.String("to", "", "send to this address instead of the guest")
	lang := fs.String("language", "", "language of the mail (en, pt, es, fr, de) instead of the guest's")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(positional, 2, "resend ID MAIL [-to ADDRESS] [-language LANG]"); err != nil {
		return err
	}
	req := workflows.ResendRequest{Mail: mail.Type(positional[1]), Receiver: workflows.ReceiverCustomer, Language: *lang}
	if *to != "" {
		req.Receiver, req.Address = workflows.ReceiverCustom, *to
	}
	result, err := rc.Resend(ctx, positional[0], req)
	if err != nil {
		return err
	}
	return printJSON(stdout, result)
}

func releaseReminderCommand(ctx context.Context, rc *client.Client, args []string, stdout io.Writer) error {
	if err := needArgs(args, 1, "release-reminder ID"); err != nil {
		return err
	}
	result, err := rc.SendReleaseReminder(ctx, args[0])
	if err != nil {
		return err
	}
	return printJSON(stdout, result)
}

func propertiesCommand(ctx context.Context, st *store.Store, args []string, stdin io.Reader, stdout io.Writer) error {
	if err := needArgs(args, 1, "properties set FILE | list | show ID"); err != nil {
		return err
	}
	switch args[0] {
	case "set":
		if err := needArgs(args, 2, "properties set FILE"); err != nil {
			return err
		}
		// Fields missing from the file take the product's defaults.
		p := property.Defaults("")
		if err := readJSON(args[1], stdin, &p); err != nil {
			return err
		}
		if err := st.SaveProperty(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "property %s saved\n", p.ID)
		return nil
	case "list":
		props, err := st.Properties(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tTIME ZONE\tLANGUAGE\tSENDER")
		for _, p := range props {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.TimeZone, p.DefaultLanguage, p.SenderAddress)
		}
		return tw.Flush()
	case "show":
		if err := needArgs(args, 2, "properties show ID"); err != nil {
			return err
		}
		p, err := st.Property(ctx, args[1])
		if err != nil {
			return err
		}
		return printJSON(stdout, p)
	}
	return usageError{fmt.Sprintf("unknown properties command %q: use set, list or show", args[0])}
}

func logCommand(ctx context.Context, st *store.Store, args []string, stdout io.Writer) error {
	if err := needArgs(args, 1, "log ID"); err != nil {
		return err
	}
	rows, err := st.Deliveries(ctx, args[0])
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintf(stdout, "no deliveries for reservation %s\n", args[0])
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tMAIL\tTO\tLANGUAGE\tSTATUS\tTRANSPORT\tMESSAGE ID\tERROR")
	for _, d := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.CreatedAt.UTC().Format(time.RFC3339), d.MailType, d.Recipient,
			d.Language, d.Status, d.Transport, d.MessageID, d.Error)
	}
	return tw.Flush()
}

// demoPropertyID is the property the demo command creates.
const demoPropertyID = "demo-lisbon"

// demoCommand adds a demo property in Lisbon and starts a reservation that
// arrives in two weeks, so that its confirmation goes out at once and its
// invitation is planned.
func demoCommand(ctx context.Context, rc *client.Client, st *store.Store, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	id := fs.String("id", "", "reservation id (default: demo-<current time>)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	p := property.Defaults(demoPropertyID)
	p.Name = "Hotel Avenida (demo)"
	p.TimeZone = "Europe/Lisbon"
	p.SenderAddress = "Hotel Avenida <reservas@avenida.example>"
	p.Email = "reservas@avenida.example"
	p.Telephone = "+351 210 000 000"
	p.City = "Lisboa"
	p.ReviewLink = "https://avenida.example/review"
	if err := st.SaveProperty(ctx, p); err != nil {
		return err
	}

	now := time.Now()
	if *id == "" {
		*id = "demo-" + now.UTC().Format("20060102-150405")
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return err
	}
	arrival := schedule.DateOf(now, loc).AddDays(14)
	r := workflows.Reservation{
		ID:                 *id,
		PropertyID:         p.ID,
		ConfirmationNumber: "AV-" + now.UTC().Format("150405"),
		Origin:             workflows.OriginBookingEngine,
		Guest:              workflows.Person{FirstName: "Ana", LastName: "Silva", Email: "ana.silva@example.com", Nationality: "PRT"},
		Arrival:            arrival,
		Departure:          arrival.AddDays(3),
		Total:              workflows.Money{Amount: 43500, Currency: "EUR"},
		OnlineCheckInLink:  "https://avenida.example/checkin/" + *id,
	}
	started, err := rc.Start(ctx, r)
	if err != nil {
		return err
	}
	if !started.Created {
		fmt.Fprintf(stdout, "reservation %s already exists as workflow %s\n", r.ID, started.WorkflowID)
		return nil
	}
	fmt.Fprintf(stdout, "started demo reservation %s: workflow %s, arrival %s\n", r.ID, started.WorkflowID, arrival)
	return nil
}
